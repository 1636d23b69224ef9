import { Child } from "./child.js";
import type { Message } from "./ipc.js";
import { readCpuMs } from "./proc.js";

/** A server child and where to reach it. */
export interface Server {
  child: Child;
  url: string;
}

export async function startServer(script: string, label: string, opts: { nodeArgs?: string[]; fdLimit?: number; maxLifeMs: number }): Promise<Server> {
  const child = Child.start({
    script,
    label,
    config: { maxLifeMs: opts.maxLifeMs },
    ...(opts.nodeArgs ? { nodeArgs: opts.nodeArgs } : {}),
    ...(opts.fdLimit !== undefined ? { fdLimit: opts.fdLimit } : {}),
  });
  const ready = await child.next<Message & { port: number }>("ready", 30_000);
  return { child, url: `ws://127.0.0.1:${ready.port}` };
}

export interface LoadOutcome<R> {
  /** One result per load process. */
  results: R[];
  /** CPU use during the measured window, in % of one core. */
  serverCpu: number;
  loadCpu: number;
}

/**
 * Runs load processes against a server: waits until every one has opened its measuring window,
 * samples CPU time of the server and the loaders, waits for their results, samples again.
 */
export async function runLoad<R extends Message>(server: Server, script: string, configs: unknown[], timeoutMs: number): Promise<LoadOutcome<R>> {
  const loads = configs.map((config, i) => Child.start({ script, config, label: `${script}#${i}` }));
  try {
    await Promise.all(loads.map((l) => l.next("measure-start", timeoutMs)));
    const before = cpuSample(server, loads);
    const results = await Promise.all(loads.map((l) => l.next<R>("result", timeoutMs)));
    const after = cpuSample(server, loads);
    const wall = after.at - before.at;
    return { results, serverCpu: pct(after.server - before.server, wall), loadCpu: pct(after.load - before.load, wall) };
  } finally {
    await Promise.all(loads.map((l) => l.stop()));
  }
}

function cpuSample(server: Server, loads: Child[]): { at: number; server: number; load: number } {
  const load = loads.reduce((sum, l) => sum + (readCpuMs(l.pid) ?? 0), 0);
  return { at: performance.now(), server: readCpuMs(server.child.pid) ?? 0, load };
}

function pct(cpuMs: number, wallMs: number): number {
  return wallMs > 0 ? (100 * cpuMs) / wallMs : 0;
}

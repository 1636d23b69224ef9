import { Child } from "./child.js";
import type { Message } from "./ipc.js";
import { readCpuMs, readMachineBusyMs } from "./proc.js";
import type { WindowStats } from "./rounds.js";

/** A server child and where to reach it. */
export interface Server {
  child: Child;
  url: string;
}

export async function startServer(
  script: string,
  label: string,
  opts: { nodeArgs?: string[]; fdLimit?: number; maxLifeMs: number; tickIntervalMs?: number; config?: Record<string, unknown> },
): Promise<Server> {
  const child = Child.start({
    script,
    label,
    config: { ...opts.config, maxLifeMs: opts.maxLifeMs, ...(opts.tickIntervalMs !== undefined ? { tickIntervalMs: opts.tickIntervalMs } : {}) },
    ...(opts.nodeArgs ? { nodeArgs: opts.nodeArgs } : {}),
    ...(opts.fdLimit !== undefined ? { fdLimit: opts.fdLimit } : {}),
  });
  const ready = await child.next<Message & { port: number }>("ready", 30_000);
  return { child, url: `ws://127.0.0.1:${ready.port}` };
}

/** One measured window with the CPU time spent meanwhile (ms) by the server, the load process and everything else. */
export interface WindowFigures extends WindowStats {
  target: string;
  wallMs: number;
  serverCpuMs: number;
  loadCpuMs: number;
  otherCpuMs: number;
}

type WindowEnd = Message & WindowStats & { target: string };

/**
 * Runs one load process that reports `windows` measured windows, each bracketed by
 * window-start / window-end; samples CPU time of the window's server, the load process and the
 * whole machine around each.
 */
export async function runWindowed(
  script: string,
  config: unknown,
  servers: Readonly<Record<string, Server>>,
  windows: number,
  timeoutMs: number,
): Promise<WindowFigures[]> {
  const load = Child.start({ script, config, label: script });
  try {
    const out: WindowFigures[] = [];
    for (let i = 0; i < windows; i++) {
      const start = await load.next<Message & { target: string }>("window-start", timeoutMs);
      const server = servers[start.target];
      if (!server) throw new Error(`load reported unknown target ${start.target}`);
      const before = sample(server, load);
      const end = await load.next<WindowEnd>("window-end", timeoutMs);
      const after = sample(server, load);
      const serverCpuMs = after.server - before.server;
      const loadCpuMs = after.load - before.load;
      out.push({
        ...stripType(end),
        wallMs: after.at - before.at,
        serverCpuMs,
        loadCpuMs,
        otherCpuMs: Math.max(0, after.machine - before.machine - serverCpuMs - loadCpuMs),
      });
    }
    return out;
  } finally {
    await load.stop();
  }
}

function stripType(m: WindowEnd): WindowStats & { target: string } {
  const { type: _type, ...rest } = m;
  return rest;
}

function sample(server: Server, load: Child): { at: number; server: number; load: number; machine: number } {
  return {
    at: performance.now(),
    server: readCpuMs(server.child.pid) ?? 0,
    load: readCpuMs(load.pid) ?? 0,
    machine: readMachineBusyMs() ?? 0,
  };
}

/** Several windows of one target folded into one row: median rate, CPU over all of them. */
export interface Figures {
  /** Median of the windows' rates (per second). */
  rate: number;
  rates: number[];
  p50: number;
  p99: number;
  errors: number;
  firstError: string | undefined;
  /** % of one core, averaged over the windows. */
  serverCpu: number;
  loadCpu: number;
  otherCpu: number;
  /** Server CPU time per completed operation, µs. */
  serverUsPerOp: number;
}

export function summarize(windows: readonly WindowFigures[]): Figures {
  if (windows.length === 0) throw new Error("no measured windows");
  const rates = windows.map((w) => (w.seconds > 0 ? w.count / w.seconds : 0));
  const wall = sum(windows.map((w) => w.wallMs));
  const count = sum(windows.map((w) => w.count));
  const serverMs = sum(windows.map((w) => w.serverCpuMs));
  return {
    rate: median(rates),
    rates,
    p50: median(windows.map((w) => w.p50)),
    p99: median(windows.map((w) => w.p99)),
    errors: sum(windows.map((w) => w.errors)),
    firstError: windows.find((w) => w.firstError !== undefined)?.firstError,
    serverCpu: (100 * serverMs) / wall,
    loadCpu: (100 * sum(windows.map((w) => w.loadCpuMs))) / wall,
    otherCpu: (100 * sum(windows.map((w) => w.otherCpuMs))) / wall,
    serverUsPerOp: count > 0 ? (1000 * serverMs) / count : 0,
  };
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

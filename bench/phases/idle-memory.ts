import type { IdleConfig } from "../load/idle.js";
import { Child } from "../lib/child.js";
import type { Message } from "../lib/ipc.js";
import type { Server } from "../lib/measure.js";
import { readRssBytes } from "../lib/proc.js";
import { Samples, type LatencySummary } from "../lib/stats.js";

export interface IdleSpec {
  connections: number;
  /** Client processes the connections are spread over (their memory never counts). */
  loaders: number;
  /** Complete the gateway handshake on each connection (false: bare sockets, for the echo baseline). */
  handshake: boolean;
  identityFile?: string;
  fdLimit?: number;
  /** Time the server's `tick` broadcasts to every open connection for this long (0: not at all). */
  broadcastMs?: number;
}

/** Delivery of broadcast `tick` events to every open connection: emit → receipt, ms. */
export interface BroadcastFigures extends LatencySummary {
  deliveries: number;
  /** Ticks each connection received on average during the window. */
  perConnection: number;
}

export interface IdleFigures {
  opened: number;
  failed: number;
  firstError: string | undefined;
  openMs: number;
  rssBefore: number;
  rssAfter: number;
  /** (RSS after − RSS before) / opened, bytes. */
  rssPerConn: number;
  heapPerConn: number;
  broadcast?: BroadcastFigures;
}

type MemMsg = Message & { rss: number; heapUsed: number; external: number };
type OpenedMsg = Message & { ok: number; failed: number; ms: number; firstError?: string };
type TicksMsg = Message & { ms: number[] };

/**
 * RSS of the server process before and after `connections` idle connections, each side read
 * from /proc/<pid>/status right after the server ran a full GC (it is started with --expose-gc).
 */
export async function measureIdle(server: Server, spec: IdleSpec): Promise<IdleFigures> {
  const loads = Array.from({ length: spec.loaders }, (_, i) => Child.start({ script: "load/idle.ts", label: `load/idle.ts#${i}`, config: idleConfig(server, spec, i), ...(spec.fdLimit !== undefined ? { fdLimit: spec.fdLimit } : {}) }));
  try {
    await Promise.all(loads.map((l) => l.next("warm", 180_000)));
    await sleep(300);
    const before = await serverMemory(server);
    for (const l of loads) l.send({ type: "cmd", cmd: "open" });
    const opened = await Promise.all(loads.map((l) => l.next<OpenedMsg>("opened", 300_000)));
    await sleep(1000);
    const after = await serverMemory(server);
    const ok = opened.reduce((s, o) => s + o.ok, 0);
    const broadcast = spec.broadcastMs ? await timeBroadcasts(loads, spec.broadcastMs, ok) : undefined;
    for (const l of loads) l.send({ type: "cmd", cmd: "close" });
    await Promise.all(loads.map((l) => l.next("closed", 20_000).catch(() => undefined)));
    return {
      opened: ok,
      failed: opened.reduce((s, o) => s + o.failed, 0),
      firstError: opened.find((o) => o.firstError !== undefined)?.firstError,
      openMs: Math.max(...opened.map((o) => o.ms)),
      rssBefore: before.rss,
      rssAfter: after.rss,
      rssPerConn: ok > 0 ? (after.rss - before.rss) / ok : 0,
      heapPerConn: ok > 0 ? (after.heapUsed + after.external - before.heapUsed - before.external) / ok : 0,
      ...(broadcast ? { broadcast } : {}),
    };
  } finally {
    await Promise.all(loads.map((l) => l.stop()));
  }
}

/** Every loader times the ticks its sockets receive for `ms`; the latencies of all of them together. */
async function timeBroadcasts(loads: Child[], ms: number, connections: number): Promise<BroadcastFigures> {
  for (const l of loads) l.send({ type: "cmd", cmd: "ticks-start" });
  await sleep(ms);
  for (const l of loads) l.send({ type: "cmd", cmd: "ticks" });
  const all = (await Promise.all(loads.map((l) => l.next<TicksMsg>("ticks", 30_000)))).flatMap((t) => t.ms);
  const samples = new Samples(all.length);
  for (const v of all) samples.add(v);
  return { ...samples.summary(), deliveries: all.length, perConnection: connections > 0 ? all.length / connections : 0 };
}

function idleConfig(server: Server, spec: IdleSpec, i: number): IdleConfig {
  const base = Math.floor(spec.connections / spec.loaders);
  const count = i < spec.connections % spec.loaders ? base + 1 : base;
  return {
    url: server.url,
    count,
    concurrency: 16,
    warmupHandshakes: 200,
    handshake: spec.handshake,
    mode: "cli",
    holdMaxMs: 480_000,
    ...(spec.identityFile !== undefined ? { identityFile: spec.identityFile } : {}),
  };
}

/** GC'd memoryUsage() from the server, with RSS re-read from /proc right after. */
async function serverMemory(server: Server): Promise<{ rss: number; heapUsed: number; external: number }> {
  server.child.send({ type: "cmd", cmd: "mem" });
  const m = await server.child.next<MemMsg>("mem", 10_000);
  return { rss: readRssBytes(server.child.pid) ?? m.rss, heapUsed: m.heapUsed, external: m.external };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

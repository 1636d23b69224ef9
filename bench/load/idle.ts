/**
 * Idle connections for the memory measurement: warm the gateway up with a few handshakes, then
 * on {cmd:"open"} complete `count` handshakes and keep the sockets open and silent until
 * {cmd:"close"} (or stdin closes, or `holdMaxMs` passes). Between {cmd:"ticks-start"} and
 * {cmd:"ticks"} every `tick` event a socket receives is timed (receipt − the event's `ts`, one
 * clock on one machine) and the delivery latencies are then reported as {type:"ticks", ms:[…]}.
 */
import type WebSocket from "ws";
import type { ClientMode } from "@clawdbot/protocol";
import { childConfig, emit, fail, listen, type Message } from "../lib/ipc.js";
import { closeSocket, handshake, loadIdentities, openSocket, type BenchIdentity } from "../lib/wire.js";

export interface IdleConfig {
  url: string;
  identityFile?: string;
  count: number;
  concurrency: number;
  warmupHandshakes: number;
  /** false: plain WebSocket connections with no gateway handshake (the echo baseline). */
  handshake: boolean;
  mode: ClientMode;
  holdMaxMs: number;
}

async function main(): Promise<void> {
  const cfg = childConfig<IdleConfig>();
  const ids = cfg.identityFile === undefined ? [] : await loadIdentities(cfg.identityFile);
  const open: WebSocket[] = [];
  const ticks: number[] = [];
  let timing = false;
  const onMessage = (data: Buffer) => {
    if (!timing) return;
    const frame = JSON.parse(data.toString()) as { event?: string; payload?: { ts?: number } };
    if (frame.event === "tick" && typeof frame.payload?.ts === "number") ticks.push(Date.now() - frame.payload.ts);
  };
  const closeAll = async () => {
    await Promise.all(open.map((ws) => closeSocket(ws)));
    emit({ type: "closed" });
    process.exit(0);
  };
  listen(
    (cmd: Message) => {
      if (cmd["cmd"] === "open") void openAll(cfg, ids, open, onMessage).catch(fail);
      else if (cmd["cmd"] === "ticks-start") {
        ticks.length = 0;
        timing = true;
      } else if (cmd["cmd"] === "ticks") {
        timing = false;
        emit({ type: "ticks", ms: ticks });
      }
      else if (cmd["cmd"] === "close") void closeAll();
    },
    () => void closeAll(),
    cfg.holdMaxMs,
  );
  await inParallel(cfg.warmupHandshakes, cfg.concurrency, async (i) => {
    await closeSocket(await connectOnce(cfg, pick(ids, i)));
  });
  emit({ type: "warm" });
}

async function openAll(cfg: IdleConfig, ids: BenchIdentity[], open: WebSocket[], onMessage: (data: Buffer) => void): Promise<void> {
  const started = performance.now();
  let failed = 0;
  let firstError: string | undefined;
  await inParallel(cfg.count, cfg.concurrency, async (i) => {
    try {
      const ws = await connectOnce(cfg, pick(ids, i));
      ws.on("message", onMessage);
      open.push(ws);
    } catch (err) {
      failed++;
      firstError ??= (err as Error).message;
    }
  });
  emit({ type: "opened", ok: open.length, failed, ms: performance.now() - started, ...(firstError ? { firstError } : {}) });
}

/** A completed handshake (or just an open socket for the baseline). */
async function connectOnce(cfg: IdleConfig, who: BenchIdentity | undefined): Promise<WebSocket> {
  if (cfg.handshake) {
    if (!who) throw new Error("handshake mode needs identities");
    return (await handshake(cfg.url, who, { mode: cfg.mode, scopes: ["operator.read"], useToken: true }, 10_000)).ws;
  }
  const ws = openSocket(cfg.url);
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  return ws;
}

function pick(ids: BenchIdentity[], i: number): BenchIdentity | undefined {
  return ids.length === 0 ? undefined : ids[i % ids.length];
}

/** Runs task(0..n-1) with at most `width` at a time. */
async function inParallel(n: number, width: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < n) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(width, n) }, lane));
}

main().catch(fail);

/**
 * Idle connections for the memory measurement: warm the gateway up with a few handshakes, then
 * on {cmd:"open"} complete `count` handshakes and keep the sockets open and silent until
 * {cmd:"close"} (or stdin closes, or `holdMaxMs` passes).
 */
import type WebSocket from "ws";
import type { ClientMode } from "@clawdbot/protocol";
import { childConfig, emit, fail, listen, type Message } from "../lib/ipc.js";
import { closeSocket, handshake, loadIdentities, type BenchIdentity } from "../lib/wire.js";

export interface IdleConfig {
  url: string;
  identityFile: string;
  count: number;
  concurrency: number;
  warmupHandshakes: number;
  mode: ClientMode;
  holdMaxMs: number;
}

async function main(): Promise<void> {
  const cfg = childConfig<IdleConfig>();
  const ids = await loadIdentities(cfg.identityFile);
  const open: WebSocket[] = [];
  const closeAll = async () => {
    await Promise.all(open.map((ws) => closeSocket(ws)));
    emit({ type: "closed" });
    process.exit(0);
  };
  listen(
    (cmd: Message) => {
      if (cmd["cmd"] === "open") void openAll(cfg, ids, open).catch(fail);
      else if (cmd["cmd"] === "close") void closeAll();
    },
    () => void closeAll(),
    cfg.holdMaxMs,
  );
  await inParallel(cfg.warmupHandshakes, cfg.concurrency, async (i) => {
    const h = await handshake(cfg.url, pick(ids, i), opts(cfg), 10_000);
    await closeSocket(h.ws);
  });
  emit({ type: "warm" });
}

async function openAll(cfg: IdleConfig, ids: BenchIdentity[], open: WebSocket[]): Promise<void> {
  const started = performance.now();
  let failed = 0;
  let firstError: string | undefined;
  await inParallel(cfg.count, cfg.concurrency, async (i) => {
    try {
      open.push((await handshake(cfg.url, pick(ids, i), opts(cfg), 10_000)).ws);
    } catch (err) {
      failed++;
      firstError ??= (err as Error).message;
    }
  });
  emit({ type: "opened", ok: open.length, failed, ms: performance.now() - started, ...(firstError ? { firstError } : {}) });
}

function opts(cfg: IdleConfig) {
  return { mode: cfg.mode, scopes: ["operator.read"], useToken: true };
}

function pick(ids: BenchIdentity[], i: number): BenchIdentity {
  return ids[i % ids.length]!;
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

/**
 * Node invoke benchmark: operator → gateway → node → gateway → operator round trips per second,
 * 1 and 16 in flight, next to plain `health` round trips measured in the same run on the same
 * operator connection (alternating windows, median reported). The gateway and the node each run
 * in their own process; all traffic stays on 127.0.0.1. Bounded: it stops by itself.
 *
 *   node --import tsx bench/node-invoke.ts
 */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { GatewayClient, generateIdentity } from "@clawdbot/protocol/client";
import { Child } from "./lib/child.js";
import { childConfig, emit, fail, listen } from "./lib/ipc.js";
import { startServer } from "./lib/measure.js";

export interface NodeInvokeSpec {
  warmupMs: number;
  windowMs: number;
  rounds: number;
}

export interface NodeInvokeRow {
  inFlight: number;
  invokePerSec: number;
  healthPerSec: number;
  /** invoke rate / health rate. */
  ratio: number;
  invokeP50Ms: number;
  healthP50Ms: number;
  errors: number;
}

const DEFAULT_SPEC: NodeInvokeSpec = { warmupMs: 500, windowMs: 1500, rounds: 3 };
const DEADLINE_MS = 120_000;
const CHILD_LIFE_MS = 150_000;
const NODE_COMMAND = "system.info";

/** Runs the whole benchmark (gateway and node children included) and returns one row per concurrency. */
export async function runNodeInvokeBench(spec: NodeInvokeSpec = DEFAULT_SPEC): Promise<NodeInvokeRow[]> {
  const gw = await startServer("servers/gateway.ts", "gateway", { maxLifeMs: CHILD_LIFE_MS });
  const node = Child.start({ script: "node-invoke.ts", label: "node", config: { role: "node", url: gw.url, maxLifeMs: CHILD_LIFE_MS } });
  const op = new GatewayClient({ url: gw.url, identity: generateIdentity(), client: { id: "test", mode: "test" }, requestTimeoutMs: 10_000 });
  try {
    const { nodeId } = await node.next<{ type: string; nodeId: string }>("ready", 30_000);
    await op.connect();
    let seq = 0;
    const health = () => op.call("health");
    const invoke = () => op.call("node.invoke", { nodeId, command: NODE_COMMAND, idempotencyKey: `bench-${++seq}`, timeoutMs: 10_000 });
    await invoke(); // the route works before anything is timed
    const rows: NodeInvokeRow[] = [];
    for (const inFlight of [1, 16]) rows.push(await measurePair(health, invoke, inFlight, spec));
    return rows;
  } finally {
    op.close();
    await Promise.all([node.stop(), gw.child.stop()]);
  }
}

async function measurePair(health: () => Promise<unknown>, invoke: () => Promise<unknown>, inFlight: number, spec: NodeInvokeSpec): Promise<NodeInvokeRow> {
  await window(health, inFlight, spec.warmupMs);
  await window(invoke, inFlight, spec.warmupMs);
  const h: Window[] = [];
  const i: Window[] = [];
  for (let r = 0; r < spec.rounds; r++) {
    h.push(await window(health, inFlight, spec.windowMs));
    i.push(await window(invoke, inFlight, spec.windowMs));
  }
  const healthPerSec = median(h.map((w) => w.rate));
  const invokePerSec = median(i.map((w) => w.rate));
  return {
    inFlight,
    invokePerSec,
    healthPerSec,
    ratio: healthPerSec > 0 ? invokePerSec / healthPerSec : 0,
    invokeP50Ms: median(i.map((w) => w.p50)),
    healthP50Ms: median(h.map((w) => w.p50)),
    errors: [...h, ...i].reduce((n, w) => n + w.errors, 0),
  };
}

interface Window {
  rate: number;
  p50: number;
  errors: number;
}

/** `inFlight` workers call `fn` back to back for `ms`; completed calls per second. */
async function window(fn: () => Promise<unknown>, inFlight: number, ms: number): Promise<Window> {
  const latencies: number[] = [];
  let errors = 0;
  const start = performance.now();
  const end = start + ms;
  const worker = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      try {
        await fn();
        latencies.push(performance.now() - t0);
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const seconds = (performance.now() - start) / 1000;
  return { rate: latencies.length / seconds, p50: median(latencies), errors };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length === 0 ? 0 : s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Child role: a minimal node that answers every node.invoke.request at once with a tiny payload. */
async function runNodeChild(cfg: { url: string; maxLifeMs: number }): Promise<void> {
  const identity = generateIdentity();
  const client: GatewayClient = new GatewayClient({
    url: cfg.url,
    identity,
    client: { id: "node-host", mode: "node", platform: "linux", displayName: "bench node" },
    role: "node",
    scopes: [],
    caps: ["system"],
    commands: [NODE_COMMAND],
    onEvent: (ev) => {
      if (ev.event !== "node.invoke.request") return;
      const req = ev.payload as { id: string; nodeId: string };
      client.call("node.invoke.result", { id: req.id, nodeId: req.nodeId, ok: true, payload: { ok: true } }).catch(() => undefined);
    },
  });
  await client.connect();
  listen(
    () => undefined,
    () => {
      client.close();
      process.exit(0);
    },
    cfg.maxLifeMs,
  );
  emit({ type: "ready", nodeId: identity.deviceId });
}

function print(rows: readonly NodeInvokeRow[], seconds: number): void {
  const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
  console.log("node.invoke round trips (operator → gateway → node → gateway → operator) vs health, same operator connection");
  console.log("in flight | node.invoke/s | health/s | ratio | invoke p50 ms | health p50 ms | errors");
  for (const r of rows) {
    console.log(
      `${String(r.inFlight).padStart(9)} | ${fmt(r.invokePerSec).padStart(13)} | ${fmt(r.healthPerSec).padStart(8)} | ${r.ratio.toFixed(2).padStart(5)} | ${r.invokeP50Ms.toFixed(2).padStart(13)} | ${r.healthP50Ms.toFixed(2).padStart(13)} | ${r.errors}`,
    );
  }
  console.log(`done in ${seconds.toFixed(1)} s`);
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  if (process.argv[2] !== undefined) {
    runNodeChild(childConfig<{ url: string; maxLifeMs: number }>()).catch(fail);
  } else {
    const started = performance.now();
    const deadline = setTimeout(() => {
      process.stderr.write(`node-invoke bench: deadline of ${DEADLINE_MS / 1000} s reached\n`);
      void Child.stopAll(1000).finally(() => process.exit(1));
    }, DEADLINE_MS);
    deadline.unref();
    runNodeInvokeBench()
      .then((rows) => print(rows, (performance.now() - started) / 1000))
      .catch(async (err: unknown) => {
        process.stderr.write(`node-invoke bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
        await Child.stopAll(1000);
        process.exitCode = 1;
      })
      .finally(() => clearTimeout(deadline));
  }
}

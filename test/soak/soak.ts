// `make soak`: a gateway alone in a child process under SOAK_SECONDS (default 600) of 500 clients
// connecting, calling and dropping (half without a close frame), 20 nodes answering invokes, and a
// reconnect storm every minute. Every 30 s it prints RSS, open descriptors, event-loop delay p99
// and handle counts. Pass: RSS and descriptors at the end within 10 % of the 2-minute mark, and
// event-loop p99 under 20 ms in every window without a storm.
import WebSocket from "ws";
import { GatewayClient, generateIdentity, type DeviceIdentity } from "@clawdbot/protocol/client";
import { startGatewayProcess, type GatewayStats } from "../support/gateway-process.js";
import { connectParams } from "../support/raw-client.js";

const SECONDS = Number(process.env["SOAK_SECONDS"] ?? 600);
const CLIENTS = Number(process.env["SOAK_CLIENTS"] ?? 500);
const NODES = 20;
const SAMPLE_MS = 30_000;
const STORM_MS = 60_000;
const COMMAND = "system.info";

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const gw = await startGatewayProcess({});
const started = Date.now();
const deadline = started + SECONDS * 1000;
let stormEpoch = 0;
const counts = { connects: 0, calls: 0, callErrors: 0, invokes: 0, invokeErrors: 0, dropsClean: 0, dropsAbrupt: 0, refused: 0 };

const nodes: GatewayClient[] = [];
const nodeIds: string[] = [];
for (let i = 0; i < NODES; i++) {
  const identity = generateIdentity();
  const client: GatewayClient = new GatewayClient({
    url: gw.url,
    identity,
    client: { id: "node-host", mode: "node", platform: "linux", displayName: `soak node ${i}` },
    role: "node",
    scopes: [],
    caps: ["system"],
    commands: [COMMAND],
    onEvent: (ev) => {
      if (ev.event !== "node.invoke.request") return;
      const req = ev.payload as { id: string; nodeId: string };
      client.call("node.invoke.result", { id: req.id, nodeId: req.nodeId, ok: true, payload: { ok: true } }).catch(() => undefined);
    },
  });
  await client.connect();
  nodes.push(client);
  nodeIds.push(identity.deviceId);
}

/** One operator session: connect, a few calls (including a node invoke), then drop. */
async function session(identity: DeviceIdentity, n: number, epoch: number): Promise<void> {
  const ws = new WebSocket(gw.url);
  ws.on("error", () => undefined);
  const pending = new Map<string, (f: { ok: boolean }) => void>();
  let nonce: ((n: string) => void) | undefined;
  const challenge = new Promise<string>((r) => (nonce = r));
  ws.on("message", (data) => {
    const f = JSON.parse(String(data)) as { type: string; id?: string; ok?: boolean; event?: string; payload?: { nonce?: string } };
    if (f.type === "event" && f.event === "connect.challenge") nonce?.(f.payload?.nonce ?? "");
    if (f.type === "res" && f.id) pending.get(f.id)?.({ ok: f.ok === true });
  });
  const closed = new Promise<void>((r) => ws.once("close", () => r()));
  let seq = 0;
  const call = (method: string, params?: unknown) =>
    new Promise<{ ok: boolean }>((resolve) => {
      const id = `c${seq++}`;
      pending.set(id, resolve);
      ws.send(JSON.stringify({ type: "req", id, method, ...(params === undefined ? {} : { params }) }));
      void closed.then(() => resolve({ ok: false }));
    });
  const opened = await Promise.race([new Promise<boolean>((r) => ws.once("open", () => r(true))), closed.then(() => false)]);
  if (!opened) {
    counts.refused++;
    return;
  }
  const hello = await call("connect", connectParams({ identity, scopes: ["operator.read", "operator.write"], nonce: await challenge }));
  if (!hello.ok) counts.refused++;
  else {
    counts.connects++;
    for (let i = 0; i < 3 && stormEpoch === epoch; i++) {
      const r = await call(i === 1 ? "status" : "health");
      counts.calls++;
      if (!r.ok) counts.callErrors++;
    }
    if (n % 4 === 0 && stormEpoch === epoch) {
      const nodeId = nodeIds[n % nodeIds.length]!;
      const r = await call("node.invoke", { nodeId, command: COMMAND, idempotencyKey: `soak-${n}-${Date.now()}`, timeoutMs: 10_000 });
      counts.invokes++;
      if (!r.ok) counts.invokeErrors++;
    }
  }
  // Half leave politely, half vanish without a close frame.
  if (n % 2 === 0) {
    ws.close();
    counts.dropsClean++;
  } else {
    ws.terminate();
    counts.dropsAbrupt++;
  }
  await closed;
}

async function client(i: number): Promise<void> {
  const identity = generateIdentity();
  let n = i;
  while (Date.now() < deadline) {
    const epoch = stormEpoch;
    await session(identity, n++, epoch);
    // Between sessions a client idles up to 2 s, unless a storm calls everyone back at once.
    const idle = Math.random() * 2000;
    const until = Date.now() + idle;
    while (Date.now() < until && stormEpoch === epoch) await sleep(50);
  }
}

interface Sample {
  atS: number;
  storm: boolean;
  stats: GatewayStats;
}
const samples: Sample[] = [];
let stormInWindow = false;

const storms = setInterval(() => {
  stormEpoch++;
  stormInWindow = true;
  console.log(`soak: ${((Date.now() - started) / 1000).toFixed(0)} s: reconnect storm`);
}, STORM_MS);

const sampler = (async () => {
  while (Date.now() < deadline) {
    await sleep(Math.min(SAMPLE_MS, Math.max(0, deadline - Date.now())));
    const stats = await gw.stats();
    const s: Sample = { atS: Math.round((Date.now() - started) / 1000), storm: stormInWindow, stats };
    stormInWindow = false;
    samples.push(s);
    const handles = Object.entries(stats.handles).map(([k, v]) => `${k} ${v}`).join(", ");
    console.log(
      `soak: ${s.atS} s: RSS ${(stats.rss / 2 ** 20).toFixed(1)} MB, fds ${stats.fds}, event-loop p99 ${stats.eventLoopP99Ms.toFixed(1)} ms${s.storm ? " (storm)" : ""}, ` +
        `handles {${handles}}, connects ${counts.connects}, calls ${counts.calls} (${counts.callErrors} failed), invokes ${counts.invokes} (${counts.invokeErrors} failed), refused ${counts.refused}`,
    );
  }
})();

await Promise.all([...Array.from({ length: CLIENTS }, (_, i) => client(i)), sampler]);
clearInterval(storms);
for (const n of nodes) n.close();
const end = await gw.stats();
await gw.stop();

const problems: string[] = [];
const mark = samples.find((s) => s.atS >= 120) ?? samples[0];
const last = samples[samples.length - 1];
if (!mark || !last) problems.push("no samples");
else {
  const within = (a: number, b: number) => a <= b * 1.1;
  if (!within(last.stats.rss, mark.stats.rss)) problems.push(`RSS ${(last.stats.rss / 2 ** 20).toFixed(1)} MB at the end vs ${(mark.stats.rss / 2 ** 20).toFixed(1)} MB at ${mark.atS} s`);
  if (!within(last.stats.fds, mark.stats.fds)) problems.push(`fds ${last.stats.fds} at the end vs ${mark.stats.fds} at ${mark.atS} s`);
}
for (const s of samples) if (!s.storm && s.stats.eventLoopP99Ms >= 20) problems.push(`event-loop p99 ${s.stats.eventLoopP99Ms.toFixed(1)} ms at ${s.atS} s (no storm)`);
if (end.uncaughtExceptions > 0 || end.unhandledRejections > 0) problems.push(`${end.uncaughtExceptions} uncaught exceptions, ${end.unhandledRejections} unhandled rejections: ${end.errors.join(" | ")}`);
console.log(`soak: ${SECONDS} s, ${CLIENTS} clients, ${NODES} nodes: ${JSON.stringify(counts)}`);
console.log(problems.length === 0 ? "soak: PASS" : `soak: FAIL: ${problems.join("; ")}`);
process.exit(problems.length === 0 ? 0 : 1);

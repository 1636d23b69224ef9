/**
 * Round-trip load: `health` requests with a fixed number in flight on one connection, against
 * the gateway (after a signed handshake) or the echo baseline. Reports completions per second.
 */
import type WebSocket from "ws";
import { GatewayClient } from "@clawdbot/protocol/client";
import { childConfig, emit, fail, listen } from "../lib/ipc.js";
import { Samples } from "../lib/stats.js";
import { MeasureWindow, type WindowSpec } from "../lib/window.js";
import { closeSocket, handshake, loadIdentities, openSocket, type BenchIdentity } from "../lib/wire.js";

export interface RttConfig extends WindowSpec {
  url: string;
  target: "gateway" | "echo";
  /** "raw": the same minimal client for both targets; "gateway-client": @clawdbot/protocol's GatewayClient. */
  client: "raw" | "gateway-client";
  inflight: number;
  maxRequests: number;
  identityFile?: string;
  maxLifeMs: number;
}

interface Tally {
  count: number;
  errors: number;
  lat: Samples;
}

async function main(): Promise<void> {
  const cfg = childConfig<RttConfig>();
  listen(() => undefined, () => process.exit(2), cfg.maxLifeMs);
  const who = cfg.identityFile === undefined ? undefined : (await loadIdentities(cfg.identityFile))[0];
  const tally: Tally = { count: 0, errors: 0, lat: new Samples(cfg.maxRequests) };
  const seconds = cfg.client === "raw" ? await runRaw(cfg, who, tally) : await runGatewayClient(cfg, need(who), tally);
  const rate = seconds > 0 ? tally.count / seconds : 0;
  emit({ type: "result", count: tally.count, errors: tally.errors, seconds, rate, ...tally.lat.summary() });
  process.exit(0);
}

function need(who: BenchIdentity | undefined): BenchIdentity {
  if (!who) throw new Error("the gateway target needs an identityFile");
  return who;
}

async function connectRaw(cfg: RttConfig, who: BenchIdentity | undefined): Promise<WebSocket> {
  if (cfg.target === "gateway") {
    return (await handshake(cfg.url, need(who), { mode: "cli", scopes: ["operator.read"], useToken: true }, 10_000)).ws;
  }
  const ws = openSocket(cfg.url);
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  return ws;
}

/** Pipelined requests on a bare socket; each response (matched by id) sends the next request. */
async function runRaw(cfg: RttConfig, who: BenchIdentity | undefined, t: Tally): Promise<number> {
  const ws = await connectRaw(cfg, who);
  const sentAt = new Float64Array(cfg.maxRequests);
  const win = new MeasureWindow(cfg);
  let sent = 0;
  let inFlight = 0;
  const sendOne = () => {
    if (sent >= cfg.maxRequests) return win.stop();
    const id = sent++;
    sentAt[id] = performance.now();
    inFlight++;
    ws.send(JSON.stringify({ type: "req", id: String(id), method: "health" }));
  };
  const drained = new Promise<void>((resolve) => {
    win.whenStopped(() => inFlight === 0 && resolve());
    ws.on("message", (data) => {
      const f = JSON.parse(data.toString()) as { type?: string; id?: string; ok?: boolean };
      if (f.type === "event" || f.id === undefined) return;
      inFlight--;
      if (cfg.target === "gateway" && f.ok !== true) t.errors++;
      if (win.measuring) {
        t.count++;
        t.lat.add(performance.now() - (sentAt[Number(f.id)] ?? 0));
      }
      if (!win.stopped) sendOne();
      else if (inFlight === 0) resolve();
    });
  });
  for (let i = 0; i < cfg.inflight; i++) sendOne();
  await Promise.race([drained, delay(5000)]);
  await closeSocket(ws);
  return win.seconds;
}

/** The same load through GatewayClient.call (its per-request uuid, timer and promise included). */
async function runGatewayClient(cfg: RttConfig, who: BenchIdentity, t: Tally): Promise<number> {
  const c = new GatewayClient({
    url: cfg.url,
    identity: who.identity,
    ...(who.token !== undefined ? { deviceToken: who.token } : {}),
    client: { id: "test", mode: "cli" },
    scopes: ["operator.read"],
  });
  await c.connect();
  const win = new MeasureWindow(cfg);
  let issued = 0;
  const worker = async () => {
    while (!win.stopped && issued < cfg.maxRequests) {
      issued++;
      const started = performance.now();
      const ok = await c.call("health").then(
        () => true,
        () => false,
      );
      if (!ok) t.errors++;
      if (win.measuring) {
        t.count++;
        t.lat.add(performance.now() - started);
      }
    }
    win.stop();
  };
  await Promise.all(Array.from({ length: cfg.inflight }, worker));
  c.close();
  return win.seconds;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

main().catch(fail);

/**
 * Round-trip load: `health` requests with a fixed number in flight on one connection per
 * target, measured in alternating rounds over the gateway and the echo baseline.
 */
import type WebSocket from "ws";
import { GatewayClient } from "@clawdbot/protocol/client";
import { childConfig, fail, listen } from "../lib/ipc.js";
import { Clock, Tally, runRounds, type Driver, type RoundsSpec, type WindowStats } from "../lib/rounds.js";
import { handshake, loadIdentities, openSocket, type BenchIdentity } from "../lib/wire.js";

export interface RttTarget {
  target: string;
  url: string;
  kind: "gateway" | "echo";
  /** "raw": the same minimal client for every target; "gateway-client": @clawdbot/protocol's GatewayClient. */
  client: "raw" | "gateway-client";
}

export interface RttConfig extends RoundsSpec {
  targets: RttTarget[];
  inflight: number;
  identityFile?: string;
  maxLifeMs: number;
}

const RING = 1024;
const SAMPLES = 1_000_000;

async function main(): Promise<void> {
  const cfg = childConfig<RttConfig>();
  if (cfg.inflight > RING) throw new Error(`inflight must be ≤ ${RING}`);
  listen(() => undefined, () => process.exit(2), cfg.maxLifeMs);
  const who = cfg.identityFile === undefined ? undefined : (await loadIdentities(cfg.identityFile))[0];
  const targets = [];
  for (const t of cfg.targets) targets.push({ target: t.target, driver: await connect(t, who, cfg.inflight) });
  await runRounds(targets, cfg);
  process.exit(0);
}

async function connect(t: RttTarget, who: BenchIdentity | undefined, inflight: number): Promise<Driver> {
  if (t.client === "gateway-client") return GatewayClientDriver.connect(t.url, need(who), inflight);
  if (t.kind === "gateway") {
    const { ws } = await handshake(t.url, need(who), { mode: "cli", scopes: ["operator.read"], useToken: true }, 10_000);
    return new RawDriver(ws, true, inflight);
  }
  const ws = openSocket(t.url);
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  return new RawDriver(ws, false, inflight);
}

function need(who: BenchIdentity | undefined): BenchIdentity {
  if (!who) throw new Error("a gateway target needs an identityFile");
  return who;
}

/**
 * Pipelined requests on a bare socket: JSON.stringify a request, JSON.parse each reply, match it
 * by id, send the next. Identical work for the gateway and the echo baseline.
 */
class RawDriver implements Driver {
  private readonly sentAt = new Float64Array(RING);
  private seq = 0;

  constructor(
    private readonly ws: WebSocket,
    private readonly expectOk: boolean,
    private readonly inflight: number,
  ) {}

  run(ms: number): Promise<WindowStats> {
    const tally = new Tally(SAMPLES);
    const clock = new Clock(ms);
    let inFlight = 0;
    return new Promise((resolve) => {
      const send = () => {
        const id = this.seq++;
        this.sentAt[id % RING] = performance.now();
        inFlight++;
        this.ws.send(JSON.stringify({ type: "req", id: String(id), method: "health" }));
      };
      let drainTimer: NodeJS.Timeout | undefined;
      const finish = () => {
        clearTimeout(drainTimer);
        this.ws.off("message", onMessage);
        resolve(tally.stats(clock.seconds));
      };
      const onMessage = (data: WebSocket.RawData) => {
        const f = JSON.parse(data.toString()) as { type?: string; id?: string; ok?: boolean };
        if (f.type === "event" || f.id === undefined) return;
        inFlight--;
        if (clock.open) {
          if (this.expectOk && f.ok !== true) tally.fail(`response not ok: ${JSON.stringify(f).slice(0, 200)}`);
          else tally.ok(performance.now() - (this.sentAt[Number(f.id) % RING] ?? 0));
          send();
        } else if (inFlight === 0) finish();
      };
      this.ws.on("message", onMessage);
      // After the window closes, wait for the requests still in flight (bounded) before the next window.
      void clock.closed.then(() => {
        if (inFlight > 0) drainTimer = setTimeout(finish, 5000);
        else finish();
      });
      for (let i = 0; i < this.inflight; i++) send();
    });
  }
}

/** The same load through GatewayClient.call (its per-request uuid, timer and promise included). */
class GatewayClientDriver implements Driver {
  private constructor(
    private readonly client: GatewayClient,
    private readonly inflight: number,
  ) {}

  static async connect(url: string, who: BenchIdentity, inflight: number): Promise<GatewayClientDriver> {
    const client = new GatewayClient({
      url,
      identity: who.identity,
      ...(who.token !== undefined ? { deviceToken: who.token } : {}),
      client: { id: "test", mode: "cli" },
      scopes: ["operator.read"],
    });
    await client.connect();
    return new GatewayClientDriver(client, inflight);
  }

  async run(ms: number): Promise<WindowStats> {
    const tally = new Tally(SAMPLES);
    const clock = new Clock(ms);
    const worker = async () => {
      while (clock.open) {
        const started = performance.now();
        const err = await this.client.call("health").then(
          () => undefined,
          (e: unknown) => (e as Error).message,
        );
        if (!clock.open) break;
        if (err === undefined) tally.ok(performance.now() - started);
        else tally.fail(err);
      }
    };
    await Promise.all(Array.from({ length: this.inflight }, worker));
    return tally.stats(clock.seconds);
  }
}

main().catch(fail);

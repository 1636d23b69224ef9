/**
 * Handshake load: `concurrency` connectors, each in a loop — open, connect.challenge, signed
 * connect, hello-ok, close (waiting for the server to close) — cycling through pre-paired
 * identities. Connectors speak WebSocket through LeanSocket, so the load process stays cheaper
 * than the gateway it measures.
 */
import type { ClientMode } from "@clawdbot/protocol";
import { childConfig, fail, listen } from "../lib/ipc.js";
import { Clock, Tally, runRounds, type Driver, type RoundsSpec, type WindowStats } from "../lib/rounds.js";
import { LeanSocket } from "../lib/lean-ws.js";
import { connectFrame, loadIdentities, type BenchIdentity, type ConnectOptions } from "../lib/wire.js";

export interface HandshakeConfig extends RoundsSpec {
  target: string;
  url: string;
  /** "gateway": the full signed handshake; "plain": WebSocket upgrade and close only (the echo baseline). */
  kind: "gateway" | "plain";
  identityFile?: string;
  concurrency: number;
  /** Present the device token issued at pairing (false: signature only, so the gateway issues a new token each time). */
  useToken: boolean;
  mode: ClientMode;
  timeoutMs: number;
  maxLifeMs: number;
}

/** A bare WebSocket open (upgrade answered) and close; resolves with the open time in ms. */
async function plainOpenClose(host: string, port: number, timeoutMs: number): Promise<number> {
  const started = performance.now();
  const s = LeanSocket.open(host, port);
  const timer = setTimeout(() => s.destroy(), timeoutMs);
  try {
    await s.opened();
    const ms = performance.now() - started;
    await s.close();
    return ms;
  } finally {
    clearTimeout(timer);
  }
}

/** One full handshake; resolves with open → hello-ok in ms once the server has closed the connection. */
async function leanHandshake(host: string, port: number, who: BenchIdentity, opts: ConnectOptions, timeoutMs: number): Promise<number> {
  const started = performance.now();
  const s = LeanSocket.open(host, port);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    s.destroy();
  }, timeoutMs);
  try {
    const challenge = JSON.parse(await s.nextText()) as { event?: string; payload?: { nonce?: string } };
    const nonce = challenge.payload?.nonce;
    if (challenge.event !== "connect.challenge" || nonce === undefined) throw new Error("first frame was not connect.challenge");
    s.sendText(connectFrame("c", who, nonce, opts));
    const res = await s.nextText();
    // The gateway serializes {type, id, ok, payload}; anything else is parsed for its error.
    if (!res.startsWith('{"type":"res","id":"c","ok":true,')) {
      throw new Error(`connect refused: ${JSON.stringify((JSON.parse(res) as { error?: unknown }).error)}`);
    }
    const ms = performance.now() - started;
    await s.close();
    return ms;
  } catch (err) {
    s.destroy();
    throw timedOut ? new Error(`handshake timed out after ${timeoutMs} ms`) : err;
  } finally {
    clearTimeout(timer);
  }
}

class HandshakeDriver implements Driver {
  private next = 0;
  private readonly host: string;
  private readonly port: number;

  constructor(
    private readonly cfg: HandshakeConfig,
    private readonly ids: BenchIdentity[],
  ) {
    const u = new URL(cfg.url);
    this.host = u.hostname;
    this.port = Number(u.port);
  }

  async run(ms: number): Promise<WindowStats> {
    const tally = new Tally(200_000);
    const clock = new Clock(ms);
    const opts: ConnectOptions = { mode: this.cfg.mode, scopes: ["operator.read"], useToken: this.cfg.useToken };
    const worker = async () => {
      while (clock.open) {
        const who = this.ids[this.next++ % this.ids.length];
        try {
          const ms = who
            ? await leanHandshake(this.host, this.port, who, opts, this.cfg.timeoutMs)
            : await plainOpenClose(this.host, this.port, this.cfg.timeoutMs);
          if (clock.open) tally.ok(ms);
        } catch (err) {
          if (clock.open) tally.fail((err as Error).message);
        }
      }
    };
    await Promise.all(Array.from({ length: this.cfg.concurrency }, worker));
    return tally.stats(clock.seconds);
  }
}

async function main(): Promise<void> {
  const cfg = childConfig<HandshakeConfig>();
  listen(() => undefined, () => process.exit(2), cfg.maxLifeMs);
  if (cfg.kind === "gateway" && cfg.identityFile === undefined) throw new Error("the gateway kind needs an identityFile");
  const ids = cfg.kind === "gateway" && cfg.identityFile !== undefined ? await loadIdentities(cfg.identityFile) : [];
  const driver = new HandshakeDriver(cfg, ids);
  await runRounds([{ target: cfg.target, driver }], cfg);
  process.exit(0);
}

main().catch(fail);

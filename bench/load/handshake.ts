/**
 * Handshake load: `concurrency` connectors, each in a loop — open, connect.challenge, signed
 * connect, hello-ok, close (waiting for the close) — cycling through pre-paired identities.
 */
import type { ClientMode } from "@clawdbot/protocol";
import { childConfig, fail, listen } from "../lib/ipc.js";
import { Clock, Tally, runRounds, type Driver, type RoundsSpec, type WindowStats } from "../lib/rounds.js";
import { closeSocket, handshake, loadIdentities, type BenchIdentity, type ConnectOptions } from "../lib/wire.js";

export interface HandshakeConfig extends RoundsSpec {
  target: string;
  url: string;
  identityFile: string;
  concurrency: number;
  /** Present the device token issued at pairing (false: signature only, so the gateway issues a new token each time). */
  useToken: boolean;
  mode: ClientMode;
  timeoutMs: number;
  maxLifeMs: number;
}

class HandshakeDriver implements Driver {
  private next = 0;

  constructor(
    private readonly cfg: HandshakeConfig,
    private readonly ids: BenchIdentity[],
  ) {}

  async run(ms: number): Promise<WindowStats> {
    const tally = new Tally(200_000);
    const clock = new Clock(ms);
    const opts: ConnectOptions = { mode: this.cfg.mode, scopes: ["operator.read"], useToken: this.cfg.useToken };
    const worker = async () => {
      while (clock.open) {
        const who = this.ids[this.next++ % this.ids.length]!;
        try {
          const h = await handshake(this.cfg.url, who, opts, this.cfg.timeoutMs);
          await closeSocket(h.ws);
          if (clock.open) tally.ok(h.ms);
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
  const driver = new HandshakeDriver(cfg, await loadIdentities(cfg.identityFile));
  await runRounds([{ target: cfg.target, driver }], cfg);
  process.exit(0);
}

main().catch(fail);

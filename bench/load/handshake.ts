/**
 * Handshake load: `concurrency` connectors, each in a loop — open, connect.challenge, signed
 * connect, hello-ok, close (waiting for the close) — cycling through pre-paired identities.
 */
import type { ClientMode } from "@clawdbot/protocol";
import { childConfig, emit, fail, listen } from "../lib/ipc.js";
import { Samples } from "../lib/stats.js";
import { MeasureWindow, type WindowSpec } from "../lib/window.js";
import { closeSocket, handshake, loadIdentities } from "../lib/wire.js";

export interface HandshakeConfig extends WindowSpec {
  url: string;
  identityFile: string;
  concurrency: number;
  maxHandshakes: number;
  /** Present the device token issued at pairing (false: signature only, so the gateway issues a new token each time). */
  useToken: boolean;
  mode: ClientMode;
  timeoutMs: number;
  maxLifeMs: number;
}

async function main(): Promise<void> {
  const cfg = childConfig<HandshakeConfig>();
  listen(() => undefined, () => process.exit(2), cfg.maxLifeMs);
  const ids = await loadIdentities(cfg.identityFile);
  const opts = { mode: cfg.mode, scopes: ["operator.read"], useToken: cfg.useToken };
  const lat = new Samples(cfg.maxHandshakes);
  const win = new MeasureWindow(cfg);
  let started = 0;
  let count = 0;
  let errors = 0;
  let firstError: string | undefined;
  const worker = async (k: number) => {
    while (!win.stopped && started < cfg.maxHandshakes) {
      const who = ids[(started++ + k) % ids.length]!;
      try {
        const h = await handshake(cfg.url, who, opts, cfg.timeoutMs);
        await closeSocket(h.ws);
        if (!win.measuring) continue;
        count++;
        lat.add(h.ms);
      } catch (err) {
        if (win.measuring) errors++;
        firstError ??= (err as Error).message;
      }
    }
    win.stop();
  };
  await Promise.all(Array.from({ length: cfg.concurrency }, (_, k) => worker(k)));
  const seconds = win.seconds;
  emit({
    type: "result",
    count,
    errors,
    seconds,
    rate: seconds > 0 ? count / seconds : 0,
    ...lat.summary(),
    ...(firstError !== undefined ? { firstError } : {}),
  });
  process.exit(0);
}

main().catch(fail);

import type { HandshakeConfig } from "../load/handshake.js";
import { runWindowed, summarize, type Figures, type Server } from "../lib/measure.js";
import type { RoundsSpec } from "../lib/rounds.js";

export interface HandshakeSpec extends RoundsSpec {
  concurrency: number;
  useToken: boolean;
}

/**
 * Full handshakes per second (open → challenge → signed connect → hello-ok → close), client
 * mode "cli"; without an identity file, bare WebSocket open + close (for the echo baseline).
 */
export async function measureHandshakes(server: Server, identityFile: string | undefined, spec: HandshakeSpec): Promise<Figures> {
  const total = spec.warmupMs + spec.windowMs * spec.rounds;
  const config: HandshakeConfig = {
    target: "server",
    url: server.url,
    kind: identityFile === undefined ? "plain" : "gateway",
    ...(identityFile !== undefined ? { identityFile } : {}),
    concurrency: spec.concurrency,
    useToken: spec.useToken,
    mode: "cli",
    timeoutMs: 10_000,
    warmupMs: spec.warmupMs,
    windowMs: spec.windowMs,
    rounds: spec.rounds,
    maxLifeMs: total + 60_000,
  };
  return summarize(await runWindowed("load/handshake.ts", config, { server }, spec.rounds, total + 30_000));
}

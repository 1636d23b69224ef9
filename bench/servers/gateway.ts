/**
 * The gateway under test, alone in this process (lib/gateway-child.ts): defaults, failed connects
 * practically never rate limited.
 */
import { childConfig, fail } from "../lib/ipc.js";
import { serveGatewayChild } from "../lib/gateway-child.js";

interface GatewayServerConfig {
  maxLifeMs: number;
  /** The `tick` event every client gets: the broadcast the fan-out measurement times. */
  tickIntervalMs?: number;
}

async function main(): Promise<void> {
  const { maxLifeMs, tickIntervalMs } = childConfig<GatewayServerConfig>();
  const gateway = { authRateLimit: { maxFailures: 100_000 }, ...(tickIntervalMs !== undefined ? { tickIntervalMs } : {}) };
  await serveGatewayChild({ gateway }, maxLifeMs, "gw");
}

main().catch(fail);

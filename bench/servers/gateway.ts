/**
 * The gateway under test, alone in this process (lib/gateway-child.ts): defaults, failed connects
 * practically never rate limited.
 */
import { childConfig, fail } from "../lib/ipc.js";
import { serveGatewayChild } from "../lib/gateway-child.js";

interface GatewayServerConfig {
  maxLifeMs: number;
}

async function main(): Promise<void> {
  const { maxLifeMs } = childConfig<GatewayServerConfig>();
  await serveGatewayChild({ gateway: { authRateLimit: { maxFailures: 100_000 } } }, maxLifeMs, "gw");
}

main().catch(fail);

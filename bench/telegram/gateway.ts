/**
 * The gateway under test for the Telegram latency bench, alone in this process
 * (lib/gateway-child.ts): the Telegram channel on the fake Bot API at `apiRoot`, dmPolicy "open",
 * the echo agent.
 */
import { childConfig, fail } from "../lib/ipc.js";
import { serveGatewayChild } from "../lib/gateway-child.js";

export interface TelegramGatewayConfig {
  apiRoot: string;
  botToken: string;
  pollTimeoutSec: number;
  maxLifeMs: number;
}

async function main(): Promise<void> {
  const { apiRoot, botToken, pollTimeoutSec, maxLifeMs } = childConfig<TelegramGatewayConfig>();
  const telegram = { botToken, apiRoot, dmPolicy: "open" as const, pollTimeoutSec };
  await serveGatewayChild({ heartbeat: { enabled: false }, channels: { telegram } }, maxLifeMs, "tg");
}

main().catch(fail);

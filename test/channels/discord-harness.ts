// A gateway with its Discord channel on the fake Discord (REST and gateway on 127.0.0.1), an admin
// connection, and the waits the Discord tests share. Everything stops when the test ends.
import type { TestContext } from "node:test";
import type { ConfigFile } from "@clawdbot/sidecar";
import { FakeDiscord, type DiscordCall } from "../fakes/discord/server.js";
import { defer } from "./cleanup.js";
import { channelAccount, eventually, startChannelGateway, type AccountSnapshot, type Running } from "./harness.js";
import type { RawClient } from "../support/raw-client.js";

export type DiscordFileConfig = NonNullable<NonNullable<ConfigFile["channels"]>["discord"]>;

/** A fake Discord whose gateway asks for heartbeats every `heartbeatMs` (Discord's is 41.25 s). */
export async function discordFakeFor(t: TestContext, heartbeatMs = 5000): Promise<FakeDiscord> {
  const fake = await FakeDiscord.start();
  fake.gateway.heartbeatIntervalMs = heartbeatMs;
  defer(t, () => fake.stop());
  return fake;
}

/** clawdbot.json with the Discord channel on the fake, the echo agent, no heartbeats. */
export function discordConfig(fake: FakeDiscord, overrides: Partial<DiscordFileConfig> = {}): ConfigFile {
  return {
    heartbeat: { enabled: false },
    channels: { discord: { token: fake.token, apiBase: fake.apiBase, dmPolicy: "pairing", ...overrides } },
  };
}

/**
 * Starts an in-process gateway on the fake and an admin connection; resolves once the channel is
 * connected (READY and every GUILD_CREATE received), unless `waitForReady` is false.
 */
export async function startDiscordGateway(
  t: TestContext,
  fake: FakeDiscord,
  overrides: Partial<DiscordFileConfig> = {},
  opts: { stateDir?: string; waitForReady?: boolean; agent?: ConfigFile["agent"] } = {},
): Promise<Running> {
  const file = { ...discordConfig(fake, overrides), ...(opts.agent ? { agent: opts.agent } : {}) };
  // Loading discord.js keeps the gateway busy for a moment; the admin connects once the channel has called out.
  const running = await startChannelGateway(t, { file, ...(opts.stateDir ? { stateDir: opts.stateDir } : {}) }, () => fake.dropHung(), () =>
    fake.waitForCall((c) => c.method === "GET /gateway/bot", 60_000, "the channel's GET /gateway/bot"),
  );
  const client = running.admin;
  if (opts.waitForReady !== false) await eventually("discord connected", async () => (await discordAccount(client)).connected, 60_000);
  return running;
}

/** The first accepted message the bot posted in `channelId` whose content matches. */
export function discordReply(fake: FakeDiscord, channelId: string, content: string | RegExp, ms = 10_000): Promise<DiscordCall> {
  const matches = (s: string) => (typeof content === "string" ? s === content : content.test(s));
  return fake.waitForCall(
    (c) => c.method === "POST /channels/:id/messages" && c.outcome === "ok" && c.ids[0] === channelId && matches(String(c.params["content"] ?? "")),
    ms,
    `a message in ${channelId} matching ${String(content)}`,
  );
}

/** The message a posted message replied to (message_reference). */
export function referenced(c: DiscordCall): string | undefined {
  return (c.params["message_reference"] as { message_id?: string } | undefined)?.message_id;
}

/** The Discord account's entry of channels.status. */
export function discordAccount(c: RawClient): Promise<AccountSnapshot> {
  return channelAccount(c, "discord");
}

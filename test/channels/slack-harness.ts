// A gateway with its Slack channel on the fake Slack (Web API and Socket Mode on 127.0.0.1), an
// admin connection, and the waits the Slack tests share. Everything stops when the test ends.
import assert from "node:assert/strict";
import type { TestContext } from "node:test";
import type { ConfigFile } from "@clawdbot/sidecar";
import { FakeSlack, type SlackCall } from "../fakes/slack/server.js";
import type { RawClient } from "../support/raw-client.js";
import { defer } from "./cleanup.js";
import { channelAccount, eventually, startChannelGateway, type AccountSnapshot, type Running } from "./harness.js";

export type SlackFileConfig = NonNullable<NonNullable<ConfigFile["channels"]>["slack"]>;

export async function slackFakeFor(t: TestContext): Promise<FakeSlack> {
  const fake = await FakeSlack.start();
  defer(t, () => fake.stop());
  return fake;
}

/** clawdbot.json with the Slack channel on the fake in Socket Mode, the echo agent, no heartbeats. */
export function slackConfig(fake: FakeSlack, overrides: Partial<SlackFileConfig> = {}): ConfigFile {
  return {
    heartbeat: { enabled: false },
    channels: { slack: { botToken: fake.botToken, appToken: fake.appToken, apiUrl: fake.apiUrl, dmPolicy: "pairing", ...overrides } },
  };
}

/**
 * Starts an in-process gateway on the fake and an admin connection; resolves once the channel is
 * connected (Socket Mode: its socket got hello), unless `waitForSocket` is false (start-up failures).
 */
export async function startSlackGateway(
  t: TestContext,
  fake: FakeSlack,
  overrides: Partial<SlackFileConfig> = {},
  opts: { stateDir?: string; waitForSocket?: boolean; agent?: ConfigFile["agent"] } = {},
): Promise<Running> {
  const file = { ...slackConfig(fake, overrides), ...(opts.agent ? { agent: opts.agent } : {}) };
  // Loading Bolt keeps the gateway busy for a moment; the admin connects once the channel has called out.
  const running = await startChannelGateway(t, { file, ...(opts.stateDir ? { stateDir: opts.stateDir } : {}) }, () => fake.dropHung(), () =>
    fake.waitForCall((c) => c.method === "auth.test", 60_000, "the channel's auth.test"),
  );
  const client = running.admin;
  if (opts.waitForSocket !== false) await eventually("slack connected", async () => (await slackAccount(client)).connected, 60_000);
  return running;
}

/** The Slack account's entry of channels.status. */
export function slackAccount(c: RawClient): Promise<AccountSnapshot> {
  return channelAccount(c, "slack");
}

/** The first accepted chat.postMessage in `channel` whose text matches. */
export function slackReply(fake: FakeSlack, channel: string, text: string | RegExp, ms = 10_000): Promise<SlackCall> {
  const matches = (s: string) => (typeof text === "string" ? s === text : text.test(s));
  return fake.waitForCall(
    (c) => c.method === "chat.postMessage" && c.outcome === "ok" && c.params["channel"] === channel && matches(String(c.params["text"])),
    ms,
    `chat.postMessage in ${channel} matching ${String(text)}`,
  );
}

/** The pairing code a DM reply carried. */
export function pairingCode(text: string): string {
  const code = /pairing code: (\S+)/i.exec(text)?.[1];
  assert.ok(code, `no pairing code in ${JSON.stringify(text)}`);
  return code;
}

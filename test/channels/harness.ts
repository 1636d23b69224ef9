// A gateway with its Telegram channel pointed at the fake Bot API, an admin connection to it, and
// the waits the channel tests share. Everything is stopped when the test ends.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { METHODS, check, formatIssues, type MethodName } from "@clawdbot/protocol";
import type { ConfigFile } from "@clawdbot/sidecar";
import { FakeTelegram, type RecordedCall } from "../fakes/telegram/server.js";
import { startGateway, type StartOptions, type TestGateway } from "../support/gateway.js";
import { connectRaw, type RawClient } from "../support/raw-client.js";
import { defer } from "./cleanup.js";

export type TelegramFileConfig = NonNullable<NonNullable<ConfigFile["channels"]>["telegram"]>;

export interface ChannelStatus {
  configured: boolean;
  running: boolean;
  connected: boolean;
  accountId?: string;
  lastError: string | null;
  lastInboundAt: number | null;
  lastPollAt: number | null;
  restarts: number;
  outboxPending: number;
}

export async function fakeFor(t: TestContext): Promise<FakeTelegram> {
  const fake = await FakeTelegram.start();
  defer(t, () => fake.stop());
  return fake;
}

/** clawdbot.json with the Telegram channel on the fake: fast polls, the echo agent, no heartbeats. */
export function telegramConfig(fake: FakeTelegram, overrides: Partial<TelegramFileConfig> = {}): ConfigFile {
  return {
    heartbeat: { enabled: false },
    channels: { telegram: { botToken: fake.token, apiRoot: fake.apiRoot, dmPolicy: "pairing", allowFrom: [], owners: ["7"], pollTimeoutSec: 1, ...overrides } },
  };
}

export async function tempStateDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "clawdbot-tg-"));
  defer(t, () => rm(dir, { recursive: true, force: true, maxRetries: 5 }));
  return dir;
}

export interface Running {
  gw: TestGateway;
  admin: RawClient;
}

/**
 * Starts an in-process gateway and an admin (`ui`) connection, made once `beforeConnect` resolves
 * (e.g. a channel has loaded its library); stopping it is idempotent and happens when the test ends
 * (after `beforeStop`, e.g. releasing requests a fake holds).
 */
export async function startChannelGateway(t: TestContext, opts: StartOptions, beforeStop?: () => void, beforeConnect?: () => Promise<unknown>): Promise<Running> {
  const gw = await startGateway(opts);
  let stopped = false;
  const stop = gw.stop;
  gw.stop = async () => {
    if (stopped) return;
    stopped = true;
    await stop();
  };
  defer(t, () => (beforeStop?.(), gw.stop()));
  await beforeConnect?.();
  const { client, res } = await connectRaw(gw.url, { mode: "ui" });
  assert.equal(res.ok, true, JSON.stringify(res));
  defer(t, () => client.close());
  return { gw, admin: client };
}

/**
 * Starts an in-process gateway on the fake and an admin (`ui`) connection; resolves once the channel
 * polls (a getUpdates reached the fake), unless `waitForPoll` is false (start-up failures).
 */
export async function startTelegramGateway(
  t: TestContext,
  fake: FakeTelegram,
  overrides: Partial<TelegramFileConfig> = {},
  opts: { stateDir?: string; waitForPoll?: boolean; agent?: ConfigFile["agent"] } = {},
): Promise<Running> {
  const polled = fake.calls.length;
  const file = { ...telegramConfig(fake, overrides), ...(opts.agent ? { agent: opts.agent } : {}) };
  // A send the fake never answers would hold the gateway's stop (it waits for the send in flight).
  const { gw, admin: client } = await startChannelGateway(t, { file, ...(opts.stateDir ? { stateDir: opts.stateDir } : {}) }, () => fake.dropHung());
  if (opts.waitForPoll !== false) await fake.waitForCall((c) => c.seq > polled && c.method === "getUpdates", 10_000, "first getUpdates");
  return { gw, admin: client };
}

/**
 * Calls a method, asserts success and that the payload matches the declared result schema. The
 * deadline covers `send`, which answers "queued" only after a 5 s first attempt.
 */
export async function call<T = Record<string, unknown>>(c: RawClient, method: MethodName, params?: unknown, ms = 20_000): Promise<T> {
  const res = await c.request(method, params, ms);
  assert.equal(res.ok, true, `${method} failed: ${JSON.stringify(res.error)}`);
  const r = check(METHODS[method].result, res.payload);
  assert.ok(r.ok, `${method} result does not match its schema: ${r.ok ? "" : formatIssues(r.issues)} in ${JSON.stringify(res.payload)}`);
  return res.payload as T;
}

export async function telegramStatus(c: RawClient): Promise<ChannelStatus> {
  const { channels } = await call<{ channels: Record<string, ChannelStatus> }>(c, "channels.status");
  const st = channels["telegram"];
  assert.ok(st, `no telegram in channels.status: ${JSON.stringify(channels)}`);
  return st;
}

/** The first accepted sendMessage to `chatId` whose text matches. */
export function replyIn(fake: FakeTelegram, chatId: number, text: string | RegExp, ms = 10_000): Promise<RecordedCall> {
  const matches = (s: string) => (typeof text === "string" ? s === text : text.test(s));
  return fake.waitForCall(
    (c) => c.method === "sendMessage" && c.outcome === "ok" && String(c.params["chat_id"]) === String(chatId) && matches(String(c.params["text"])),
    ms,
    `sendMessage to ${chatId} matching ${String(text)}`,
  );
}

/** The message id a sendMessage answered to (reply_parameters.message_id). */
export function repliedTo(c: RecordedCall): number | undefined {
  const rp = c.params["reply_parameters"] as { message_id?: number } | undefined;
  return rp?.message_id;
}

export { eventually } from "../support/wait.js";

/** One account's entry of channels.status (`dropped`, `queued`, `lastError`, …). */
export interface AccountSnapshot {
  accountId: string;
  running: boolean;
  connected: boolean;
  configured: boolean;
  lastError: string | null;
  lastInboundAt: number | null;
  queued: number;
  dropped: Record<string, number>;
}

/** A channel's first account as channels.status reports it. */
export async function channelAccount(c: RawClient, channel: string): Promise<AccountSnapshot> {
  const st = await call<{ channelAccounts: Record<string, AccountSnapshot[]> }>(c, "channels.status");
  const account = st.channelAccounts[channel]?.[0];
  assert.ok(account, `no ${channel} account in channels.status: ${JSON.stringify(st)}`);
  return account;
}

/** Transcript texts of a session (`role: text`). */
export async function history(c: RawClient, sessionKey: string): Promise<string[]> {
  const { messages } = await call<{ messages: { role: string; content: { text?: string }[] }[] }>(c, "chat.history", { sessionKey });
  return messages.map((m) => `${m.role}: ${m.content.map((b) => b.text ?? "").join("")}`);
}

// How the Telegram channel receives: getUpdates offsets persisted across restarts, a webhook
// removed at start, 409 conflicts (another poller) without spinning, 401s, the liveness watchdog
// replacing a deaf poller, and logout. grammY runs for real against the fake Bot API.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Api } from "grammy";
import type { FakeTelegram } from "../fakes/telegram/server.js";
import { call, eventually, fakeFor, replyIn, startTelegramGateway, telegramStatus, tempStateDir } from "./harness.js";

const isPoll = (c: { method: string }) => c.method === "getUpdates";

test("the getUpdates offset survives a restart: a handled update is not handled again", async (t) => {
  const fake = await fakeFor(t);
  const stateDir = await tempStateDir(t);
  const first = await startTelegramGateway(t, fake, { dmPolicy: "open" }, { stateDir });
  // Polls that would confirm the offset never reach the fake: only the gateway's own record can.
  fake.fail("getUpdates", { kind: "hang" }, { times: Infinity, when: (p) => Number(p["offset"] ?? 0) > 0 });
  const { update } = fake.pushMessage({ from: 21, text: "once" });
  await replyIn(fake, 21, "echo: once");
  await fake.waitForCall((c) => isPoll(c) && c.outcome === "hung", 10_000, "poll with the next offset");
  await first.gw.stop();
  assert.equal(fake.updates.size, 1, "the fake still holds the unconfirmed update");

  fake.heal();
  await startTelegramGateway(t, fake, { dmPolicy: "open" }, { stateDir });
  const resumed = fake.callsOf("getUpdates").at(-1)!;
  assert.equal(Number(resumed.params["offset"]), update.update_id + 1);
  fake.pushMessage({ from: 21, text: "twice" });
  await replyIn(fake, 21, "echo: twice");
  assert.deepEqual(fake.delivered(21), ["echo: once", "echo: twice"]);
});

test("a webhook left set is deleted at start, then polling works", async (t) => {
  const fake = await fakeFor(t);
  fake.webhook.url = "https://example.invalid/old-hook";
  await startTelegramGateway(t, fake, { dmPolicy: "open" });
  assert.equal(fake.webhook.url, "");
  assert.deepEqual(fake.calls.slice(0, 2).map((c) => c.method), ["getMe", "deleteWebhook"]);
  fake.pushMessage({ from: 22, text: "hooked?" });
  await replyIn(fake, 22, "echo: hooked?");
});

/** Another instance polling the same bot (marked by limit=77), looping until stopped. */
function rogue(fake: FakeTelegram): { stop: () => Promise<void> } {
  const api = new Api(fake.token, { apiRoot: fake.apiRoot });
  const controller = new AbortController();
  const signal = controller.signal as Parameters<Api["getUpdates"]>[1];
  const loop = (async () => {
    while (!controller.signal.aborted) await api.getUpdates({ timeout: 30, limit: 77 }, signal).catch(() => undefined);
  })();
  return {
    stop: async () => {
      controller.abort();
      await loop;
    },
  };
}

test("409 Conflict from another poller: status shows it, polling backs off instead of spinning, and recovers when it ends", async (t) => {
  const fake = await fakeFor(t);
  const { admin } = await startTelegramGateway(t, fake, { dmPolicy: "open", staleAfterMs: 120_000 });
  const isGatewayPoll = (c: { method: string; params: Record<string, unknown> }) => isPoll(c) && c.params["limit"] === undefined;

  const other = rogue(fake);
  const firstConflict = await fake.waitForCall((c) => isGatewayPoll(c) && c.errorCode === 409, 10_000, "409 to the gateway's poll");
  const st = await telegramStatus(admin);
  assert.match(String(st.lastError), /^409 Conflict: terminated by other getUpdates request/);
  assert.equal(st.running, true);

  // Six seconds of conflict: a poller that backs off at least 5 s per 409 polls at most twice more.
  await sleep(6000);
  const during = fake.calls.filter((c) => isGatewayPoll(c) && c.seq > firstConflict.seq);
  assert.ok(during.length <= 2, `gateway polled ${during.length} times in 6 s of conflict:\n${fake.describeCalls()}`);
  assert.ok(during.every((c) => c.errorCode === 409));
  await call(admin, "health");

  await other.stop();
  fake.pushMessage({ from: 23, text: "back?" });
  await replyIn(fake, 23, "echo: back?", 30_000);
  assert.equal((await telegramStatus(admin)).lastError, null);
});

test("a wrong bot token (401 on getMe): status shows it, the gateway keeps serving, start-up is retried with backoff", async (t) => {
  const fake = await fakeFor(t);
  const { admin } = await startTelegramGateway(t, fake, { botToken: "123:wrong" }, { waitForPoll: false });
  await fake.waitForCall((c) => c.method === "getMe" && c.errorCode === 401);
  await eventually("401 in channels.status", async () => /401/.test(String((await telegramStatus(admin)).lastError)));
  const st = await telegramStatus(admin);
  assert.equal(st.running, false);
  assert.equal(st.connected, false);
  assert.equal(st.lastError, "401 Unauthorized");
  await call(admin, "health");
  assert.equal(fake.callsOf("getUpdates").length, 0);
  assert.ok(fake.callsOf("getMe").length <= 3, `getMe retried ${fake.callsOf("getMe").length} times at once`);
});

test("a 401 on getUpdates stops that poller without crashing; status shows it", async (t) => {
  const fake = await fakeFor(t);
  const { admin } = await startTelegramGateway(t, fake, { dmPolicy: "open" });
  fake.fail("getUpdates", { kind: "error", code: 401 });
  const rejected = await fake.waitForCall((c) => isPoll(c) && c.errorCode === 401, 10_000, "401 poll");
  await eventually("401 in channels.status", async () => (await telegramStatus(admin)).lastError === "401 Unauthorized");
  assert.equal((await telegramStatus(admin)).connected, false);
  await call(admin, "health");
  // The poller gave up on the token: no poll follows (until the watchdog's staleAfterMs, 2 minutes here).
  await sleep(1500);
  assert.equal(fake.calls.filter((c) => isPoll(c) && c.seq > rejected.seq).length, 0);
});

test("liveness: a poll that never returns makes the watchdog restart the channel on a fresh connection; it receives again", async (t) => {
  const fake = await fakeFor(t);
  const { admin } = await startTelegramGateway(t, fake, { dmPolicy: "open", staleAfterMs: 3000 });
  fake.fail("getUpdates", { kind: "hang" }, { times: Infinity });
  const deaf = await fake.waitForCall((c) => isPoll(c) && c.outcome === "hung", 10_000, "hung poll");
  fake.resetPeak("getUpdates");

  await eventually("a watchdog restart", async () => (await telegramStatus(admin)).restarts >= 1, 15_000);
  const fresh = await fake.waitForCall((c) => isPoll(c) && c.seq > deaf.seq, 10_000, "poll of the restarted channel");
  assert.ok(deaf.endedAt !== undefined && deaf.endedAt <= fresh.at, "the deaf poll's connection was still open when the new poller started");
  assert.ok(fake.callsOf("getMe").length >= 2, "a restart starts with getMe");
  assert.ok(fake.peakOpen("getUpdates") <= 1, `${fake.peakOpen("getUpdates")} polls were open at once`);

  fake.heal("getUpdates");
  fake.pushMessage({ from: 24, text: "hello again" });
  await replyIn(fake, 24, "echo: hello again", 20_000);
  assert.ok(fake.peakOpen("getUpdates") <= 1, `${fake.peakOpen("getUpdates")} polls were open at once`);
});

// Known gateway bug: the watchdog judges a restarted channel by the last successful poll of the
// channel it replaced (lastPollAt survives the restart), so with no traffic every fresh poller is
// restarted again at the next tick, before its first long poll can complete.
test("liveness: once the network is back, a restarted quiet channel completes its polls and is not restarted again", async (t) => {
  const fake = await fakeFor(t);
  const { admin } = await startTelegramGateway(t, fake, { dmPolicy: "open", staleAfterMs: 3000 });
  fake.fail("getUpdates", { kind: "hang" });
  const deaf = await fake.waitForCall((c) => isPoll(c) && c.outcome === "hung", 10_000, "hung poll");
  await eventually("a watchdog restart", async () => (await telegramStatus(admin)).restarts >= 1, 15_000);
  await fake.waitForCall((c) => isPoll(c) && c.seq > deaf.seq && c.outcome === "ok", 10_000, "a completed poll after the restart");
  const restarts = (await telegramStatus(admin)).restarts;
  const completed = fake.calls.filter((c) => isPoll(c) && c.outcome === "ok").length;
  await fake.waitForCall((c) => isPoll(c) && c.outcome === "ok" && fake.calls.filter((x) => isPoll(x) && x.outcome === "ok").length >= completed + 3, 10_000, "three more completed polls");
  assert.equal((await telegramStatus(admin)).restarts, restarts, "the watchdog kept restarting a channel whose polls succeed");
});

// Known gateway bug: staleAfterMs is accepted even when it is shorter than one long poll
// (pollTimeoutSec), so a healthy but quiet channel is declared deaf and restarted over and over.
// Either the config is refused, or such a channel must be left alone while its polls succeed.
test("a staleAfterMs shorter than a long poll does not get a healthy quiet channel restarted", async (t) => {
  const fake = await fakeFor(t);
  let running;
  try {
    running = await startTelegramGateway(t, fake, { dmPolicy: "open", pollTimeoutSec: 2, staleAfterMs: 1000 });
  } catch (err) {
    assert.match(String(err), /staleAfterMs/);
    return;
  }
  const completed = () => fake.calls.filter((c) => isPoll(c) && c.outcome === "ok").length;
  await fake.waitForCall(() => completed() >= 2, 15_000, "two completed long polls (the watchdog aborts each one)");
  assert.equal((await telegramStatus(running.admin)).restarts, 0, "a healthy channel was restarted");
});

test("channels.logout stops polling, closes the poll connection and clears the channel's state", async (t) => {
  const fake = await fakeFor(t);
  const { gw, admin } = await startTelegramGateway(t, fake, { dmPolicy: "pairing", allowFrom: ["25"] });
  fake.pushMessage({ from: 25, text: "before" });
  await replyIn(fake, 25, "echo: before");
  fake.pushMessage({ from: 26, text: "stranger" });
  await replyIn(fake, 26, /Your pairing code/);
  const stateFile = join(gw.stateDir, "channels", "telegram", "state.json");
  assert.ok(existsSync(stateFile));

  const res = await call<{ channel: string; stopped: boolean; cleared: boolean }>(admin, "channels.logout", { channel: "telegram" });
  assert.deepEqual([res.channel, res.stopped, res.cleared], ["telegram", true, true]);
  assert.equal(existsSync(join(gw.stateDir, "channels", "telegram")), false);
  await eventually("the held poll closed", () => fake.openCount("getUpdates") === 0, 5000);
  const polls = fake.callsOf("getUpdates").length;
  const st = await telegramStatus(admin);
  assert.deepEqual([st.configured, st.running, st.connected], [false, false, false]);
  assert.deepEqual((await call<{ pending: unknown[] }>(admin, "channels.pairing.list", { channel: "telegram" })).pending, []);

  fake.pushMessage({ from: 25, text: "after" });
  // Longer than two poll timeouts and a watchdog period: a live poller would have polled by now.
  await sleep(2500);
  assert.equal(fake.callsOf("getUpdates").length, polls);
  assert.equal(fake.updates.size, 1, "the message after logout was fetched");
  assert.deepEqual(fake.delivered(25), ["echo: before"]);
});

// The fake Slack itself, driven by Bolt's own App, WebClient and request verification: the Slack
// channel's tests are only as good as the fake is faithful, so its Slack behaviours are pinned here.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import bolt from "@slack/bolt";
import { WebSocket } from "ws";
import { FakeSlack } from "../fakes/slack/server.js";
import { eventually, rejection } from "../support/wait.js";
import { defer } from "./cleanup.js";

const { App, LogLevel, SocketModeReceiver, isValidSlackRequest, webApi } = bolt;

async function fakeFor(t: TestContext): Promise<FakeSlack> {
  const fake = await FakeSlack.start();
  defer(t, () => fake.stop());
  return fake;
}

function client(fake: FakeSlack, token = fake.botToken): InstanceType<typeof webApi.WebClient> {
  return new webApi.WebClient(token, { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true, logLevel: LogLevel.ERROR });
}

/** A Socket Mode app on the fake; reconnects are left to the caller (as the channel does). */
async function socketApp(t: TestContext, fake: FakeSlack) {
  const clientOptions = { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true };
  const receiver = new SocketModeReceiver({ appToken: fake.appToken, logLevel: LogLevel.ERROR, autoReconnectEnabled: false, clientPingTimeout: 600, installerOptions: { clientOptions } });
  const app = new App({ token: fake.botToken, receiver, clientOptions, deferInitialization: true, logLevel: LogLevel.ERROR });
  // app.stop() does not wait for the socket to close; the client's disconnect does.
  defer(t, async () => (await receiver.client.disconnect(), await app.stop()));
  return { app, receiver };
}

test("auth.test answers the bot; a wrong token is invalid_auth and the app token on a bot method not_allowed_token_type", async (t) => {
  const fake = await fakeFor(t);
  const me = await client(fake).auth.test();
  assert.equal(me.user_id, fake.world.bot.id);
  assert.equal(me.bot_id, fake.world.bot.botId);
  assert.equal(me.team_id, fake.world.team.id);

  const wrong = await rejection(client(fake, "xoxb-wrong").auth.test());
  assert.equal((wrong as { code?: string }).code, webApi.ErrorCode.PlatformError);
  assert.equal((wrong as { data: { error: string } }).data.error, "invalid_auth");
  const wrongType = await rejection(client(fake, fake.appToken).auth.test());
  assert.equal((wrongType as { data: { error: string } }).data.error, "not_allowed_token_type");
  assert.deepEqual(fake.calls.map((c) => [c.method, c.outcome, c.error ?? null]), [
    ["auth.test", "ok", null],
    ["auth.test", "error", "invalid_auth"],
    ["auth.test", "error", "not_allowed_token_type"],
  ]);
});

test("Bolt in Socket Mode opens its connection through apiUrl; an events_api envelope is acknowledged before the listener finishes", async (t) => {
  const fake = await fakeFor(t);
  const alice = fake.world.addPerson("alice");
  const dm = fake.world.dmWith(alice.id);
  const { app } = await socketApp(t, fake);
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const seen: string[] = [];
  app.event("message", async ({ event }) => {
    seen.push((event as { text?: string }).text ?? "");
    await held;
  });
  await app.init();
  await app.start();
  assert.deepEqual(fake.calls.map((c) => c.method), ["auth.test", "apps.connections.open"]);
  assert.equal(fake.callsOf("apps.connections.open")[0]!.token, fake.appToken);
  assert.equal(fake.socketMode.liveCount(fake.world.app.id), 1);

  const { envelopes } = fake.say({ user: alice.id, channel: dm.id, text: "hello" });
  const acked = await fake.socketMode.envelopes.waitFor((e) => e.envelopeId === envelopes[0] && e.ackOrder !== undefined);
  assert.deepEqual(seen, ["hello"], "the listener is still running when the ack arrived");
  assert.ok(acked.ackOrder! > acked.sentOrder);
  release();
  assert.deepEqual(fake.socketMode.unacked(), []);
});

test("a Socket Mode ticket works once; a reused or made-up ticket is refused", async (t) => {
  const fake = await fakeFor(t);
  const url = fake.socketMode.issue(fake.world.app.id);
  const open = (u: string) =>
    new Promise<string>((resolve) => {
      const ws = new WebSocket(u);
      ws.once("message", (d) => (resolve(JSON.parse(String(d)).type as string), ws.close()));
      ws.once("unexpected-response", (_req, res) => resolve(`http ${res.statusCode}`));
    });
  assert.equal(await open(url), "hello");
  assert.equal(await open(url), "http 401");
  assert.equal(await open(url.replace(/ticket=[^&]+/, "ticket=made-up")), "http 401");
});

test("a disconnect envelope makes the client close its socket; the next apps.connections.open ticket opens a new one", async (t) => {
  const fake = await fakeFor(t);
  const { app, receiver } = await socketApp(t, fake);
  const closed = new Promise<void>((resolve) => receiver.client.once("disconnected", () => resolve()));
  await app.init();
  await app.start();
  fake.socketMode.disconnect("refresh_requested");
  await closed;
  await eventually("socket closed on the fake's side", () => fake.socketMode.liveCount(fake.world.app.id) === 0);
  await receiver.client.start();
  assert.equal(fake.socketMode.liveCount(fake.world.app.id), 1);
  assert.equal(fake.socketMode.openedCount(fake.world.app.id), 2);
  assert.equal(fake.socketMode.peak(fake.world.app.id), 1);
  assert.equal(fake.callsOf("apps.connections.open").length, 2);
});

test("chat.postMessage posts (and echoes the bot's message as an event); 429 carries Retry-After; unknown channels and long texts are refused", async (t) => {
  const fake = await fakeFor(t);
  const general = fake.world.addChannel("general");
  const outside = fake.world.addChannel("secret", { botIsMember: false });
  const c = client(fake);
  const posted = await c.chat.postMessage({ channel: general.id, text: "hello all" });
  assert.equal(posted.channel, general.id);
  assert.ok(fake.world.message(general.id, posted.ts!));
  const echo = fake.socketMode.envelopes.calls.at(-1);
  assert.equal(echo, undefined, "no socket yet: queued, not sent");

  const threaded = await c.chat.postMessage({ channel: general.id, text: "in thread", thread_ts: posted.ts! });
  assert.equal(fake.world.message(general.id, threaded.ts!)?.threadTs, posted.ts);

  fake.fail("chat.postMessage", { kind: "ratelimited", retryAfter: 7 });
  const limited = await rejection(c.chat.postMessage({ channel: general.id, text: "too fast" }));
  assert.equal((limited as { code?: string }).code, webApi.ErrorCode.RateLimitedError);
  assert.equal((limited as { retryAfter?: number }).retryAfter, 7);

  for (const [channel, text, error] of [
    ["C0NOPE", "x", "channel_not_found"],
    [outside.id, "x", "not_in_channel"],
    [general.id, "x".repeat(40_001), "msg_too_long"],
  ] as const) {
    const err = await rejection(c.chat.postMessage({ channel, text }));
    assert.equal((err as { data: { error: string } }).data.error, error);
  }
  assert.deepEqual(fake.delivered(general.id), ["hello all", "in thread"]);
});

test("files.uploadV2 runs its three steps against the fake: upload URL, bytes, completion sharing into the channel", async (t) => {
  const fake = await fakeFor(t);
  const general = fake.world.addChannel("general");
  const res = await client(fake).filesUploadV2({ channel_id: general.id, file: Buffer.from("report body"), filename: "report.txt", initial_comment: "the report" });
  assert.equal(res.ok, true);
  assert.deepEqual(fake.calls.map((c) => c.method), ["files.getUploadURLExternal", "upload", "files.completeUploadExternal"]);
  const [file] = [...fake.world.files.values()];
  assert.equal(file?.bytes?.toString(), "report body");
  assert.equal(file?.shared, true);
  const shared = fake.world.messages.at(-1);
  assert.equal(shared?.text, "the report");
  assert.equal(shared?.files[0]?.name, "report.txt");
});

test("conversations.info, users.info and reactions.add answer as Slack does", async (t) => {
  const fake = await fakeFor(t);
  const alice = fake.world.addPerson("alice");
  const priv = fake.world.addChannel("inner", { kind: "group" });
  const c = client(fake);
  const info = await c.conversations.info({ channel: priv.id });
  assert.equal(info.channel?.is_private, true);
  assert.equal(info.channel?.is_group, true);
  const dm = await c.conversations.info({ channel: fake.world.dmWith(alice.id).id });
  assert.equal(dm.channel?.is_im, true);
  const user = await c.users.info({ user: alice.id });
  assert.equal(user.user?.name, "alice");
  assert.equal(user.user?.real_name, "Alice");
  const { ts } = fake.say({ user: alice.id, channel: priv.id, text: "hi" });
  await c.reactions.add({ channel: priv.id, timestamp: ts, name: "eyes" });
  assert.deepEqual(fake.world.message(priv.id, ts)?.reactions, [{ name: "eyes", users: [fake.world.bot.id] }]);
  const twice = await rejection(c.reactions.add({ channel: priv.id, timestamp: ts, name: "eyes" }));
  assert.equal((twice as { data: { error: string } }).data.error, "already_reacted");
});

test("HTTP mode: requests are signed the way Bolt's verifier expects; a wrong secret or an old timestamp fails it", async (t) => {
  const fake = await fakeFor(t);
  const secret = "fake-signing-secret";
  const verdicts: boolean[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c));
    req.on("end", () => {
      const ok = isValidSlackRequest({
        signingSecret: secret,
        body,
        headers: { "x-slack-signature": String(req.headers["x-slack-signature"]), "x-slack-request-timestamp": Number(req.headers["x-slack-request-timestamp"]) },
      });
      verdicts.push(ok);
      res.writeHead(ok ? 200 : 401).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => server.close());
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/slack/events`;
  const body = fake.eventPayload({ type: "app_mention", text: "hi" });
  assert.equal((await fake.postEvents(url, body, { signingSecret: secret })).status, 200);
  assert.equal((await fake.postEvents(url, body, { signingSecret: "other" })).status, 401);
  assert.equal((await fake.postEvents(url, body, { signingSecret: secret, timestamp: Math.floor(Date.now() / 1000) - 600 })).status, 401);
  assert.deepEqual(verdicts, [true, false, false]);
});

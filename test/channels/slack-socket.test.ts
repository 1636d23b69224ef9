// The Slack channel's Socket Mode life: connecting through apiUrl, acknowledging envelopes before
// the agent works, reconnecting after `disconnect` envelopes and dropped sockets with never two
// sockets open for the app, refused tokens stopping the account with a status that says what to
// fix instead of a retry loop, and `channels logout`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { call, eventually, tempStateDir } from "./harness.js";
import { slackAccount, slackFakeFor, slackReply, startSlackGateway } from "./slack-harness.js";

test("Socket Mode: auth.test with the bot token and apps.connections.open with the app token, both at apiUrl; one socket; status connected", async (t) => {
  const fake = await slackFakeFor(t);
  const { admin } = await startSlackGateway(t, fake);
  assert.deepEqual(fake.calls.map((c) => [c.method, c.token]), [
    ["auth.test", fake.botToken],
    ["apps.connections.open", fake.appToken],
  ]);
  assert.equal(fake.socketMode.liveCount(fake.world.app.id), 1);
  const account = await slackAccount(admin);
  assert.equal(account.running, true);
  assert.equal(account.lastError, null);
  const st = await call<{ channels: Record<string, { accountId?: string; connected: boolean }> }>(admin, "channels.status");
  assert.equal(st.channels["slack"]?.accountId, "clawd@Fake Team");
});

test("an envelope is acknowledged before the agent has answered", async (t) => {
  const fake = await slackFakeFor(t);
  const stateDir = await tempStateDir(t);
  const gate = join(stateDir, "go");
  const script = `let s="";process.stdin.on("data",d=>s+=d);process.stdin.on("end",()=>{const t=setInterval(()=>{if(require("fs").existsSync(${JSON.stringify(gate)})){clearInterval(t);process.stdout.write("done: "+s)}},20)})`;
  await startSlackGateway(t, fake, { dmPolicy: "open" }, { agent: { backend: "command", command: { argv: [process.execPath, "-e", script] } } });
  const ada = fake.world.addPerson("ada");
  const dm = fake.world.dmWith(ada.id);
  const { envelopes } = fake.say({ user: ada.id, channel: dm.id, text: "take your time" });
  await fake.socketMode.envelopes.waitFor((e) => e.envelopeId === envelopes[0] && e.ackOrder !== undefined);
  assert.deepEqual(fake.delivered(dm.id), [], "acknowledged while the agent still works");
  await writeFile(gate, "");
  await slackReply(fake, dm.id, "done: take your time");
});

test("refresh_requested, link_disabled and a dropped socket: each reconnects after the old socket closed; never two sockets; one answer per message", async (t) => {
  const fake = await slackFakeFor(t);
  const { admin } = await startSlackGateway(t, fake, { dmPolicy: "open" });
  const ada = fake.world.addPerson("ada");
  const dm = fake.world.dmWith(ada.id);
  const app = fake.world.app.id;
  const cuts = [
    () => fake.socketMode.disconnect("refresh_requested"),
    () => fake.socketMode.disconnect("link_disabled", { closeAfterMs: 50 }),
    () => fake.socketMode.drop(),
    () => fake.socketMode.disconnect("refresh_requested"),
    () => fake.socketMode.drop(),
  ];
  for (const [i, cut] of cuts.entries()) {
    cut();
    await eventually(`socket ${i + 2}`, () => fake.socketMode.openedCount(app) === i + 2 && fake.socketMode.liveCount(app) === 1, 20_000);
    fake.say({ user: ada.id, channel: dm.id, text: `after cut ${i}` });
    await slackReply(fake, dm.id, `echo: after cut ${i}`);
  }
  assert.equal(fake.socketMode.peak(app), 1, "two sockets were open at once");
  assert.equal(fake.callsOf("apps.connections.open").length, cuts.length + 1);
  assert.equal(fake.delivered(dm.id).length, cuts.length, "no duplicate answers");
  assert.equal((await slackAccount(admin)).connected, true);
});

test("a refused bot token: the account stops with a status naming the token to fix, and start-up is not retried", async (t) => {
  const fake = await slackFakeFor(t);
  const { gw, admin } = await startSlackGateway(t, fake, { botToken: "xoxb-not-the-token" }, { waitForSocket: false });
  await eventually("refusal in status", async () => /Slack refused the bot token \(invalid_auth\)/.test(String((await slackAccount(admin)).lastError)));
  const account = await slackAccount(admin);
  assert.equal(account.running, false);
  assert.equal(account.connected, false);
  assert.match(String(account.lastError), /channels\.slack\.botToken/);
  // A retry loop would have called auth.test again within the registry's first backoff (≤ 1 s).
  await sleep(2500);
  assert.equal(fake.callsOf("auth.test").length, 1);
  assert.equal(fake.callsOf("apps.connections.open").length, 0);
  assert.match(gw.logs.tail(undefined, 5000, 10_000_000).lines.join("\n"), /not retrying until its config changes/);
  await call(admin, "health");
});

test("an app token revoked while connected: the next reconnect is refused and the account stops there, saying which token", async (t) => {
  const fake = await slackFakeFor(t);
  const { admin } = await startSlackGateway(t, fake);
  fake.revoked.add(fake.appToken);
  fake.socketMode.disconnect("refresh_requested");
  await eventually("refusal in status", async () => /Slack refused the app-level token \(token_revoked\)/.test(String((await slackAccount(admin)).lastError)));
  const opened = fake.callsOf("apps.connections.open").length;
  await sleep(2500);
  assert.equal(fake.callsOf("apps.connections.open").length, opened, "no reconnect loop");
  assert.equal(fake.socketMode.liveCount(fake.world.app.id), 0);
  assert.equal((await slackAccount(admin)).connected, false);
});

test("channels logout slack: the socket closes, the account is no longer configured, its thread list is gone", async (t) => {
  const fake = await slackFakeFor(t);
  const stateDir = await tempStateDir(t);
  const { admin } = await startSlackGateway(t, fake, { replyToMode: "all", dmPolicy: "open" }, { stateDir });
  const ada = fake.world.addPerson("ada");
  const general = fake.world.addChannel("general");
  fake.say({ user: ada.id, channel: general.id, text: "remember this thread", mention: true });
  await slackReply(fake, general.id, /^echo:/);
  const threads = join(stateDir, "channels", "slack", "default", "threads.json");
  await eventually("thread list saved", () => existsSync(threads));
  const out = await call<{ stopped: boolean; cleared: boolean }>(admin, "channels.logout", { channel: "slack" });
  assert.deepEqual([out.stopped, out.cleared], [true, true]);
  await eventually("socket closed", () => fake.socketMode.liveCount(fake.world.app.id) === 0);
  assert.equal(existsSync(threads), false);
  const account = await slackAccount(admin);
  assert.deepEqual([account.configured, account.running, account.connected], [false, false, false]);
});

test("stopping while the socket waits for hello: the stop finishes and leaves no socket", async (t) => {
  const fake = await slackFakeFor(t);
  fake.socketMode.holdHello = true;
  const { gw } = await startSlackGateway(t, fake, {}, { waitForSocket: false });
  const app = fake.world.app.id;
  await eventually("the socket open", () => fake.socketMode.openedCount(app) === 1, 60_000);
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error("the gateway's stop did not finish within 60 s")), 60_000)));
  await Promise.race([gw.stop(), hung]).finally(() => clearTimeout(timer));
  await eventually("the socket closed", () => fake.socketMode.liveCount(app) === 0);
  assert.equal(fake.socketMode.openedCount(app), 1);
});

// The Discord channel's gateway life, discord.js against the fake: IDENTIFY with the intents it
// needs, READY and GUILD_CREATE; a zombie connection (heartbeat ACKs withheld) and dropped sockets
// RESUMEd with the missed messages replayed and answered once; INVALID_SESSION answered with a
// fresh IDENTIFY; never two sockets; 4014 and 4004 stopping the account with a status that says
// what to change in the Developer Portal, with no retry loop; `channels logout`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { call, eventually } from "./harness.js";
import { discordAccount, discordFakeFor, discordReply, startDiscordGateway } from "./discord-harness.js";

/** Guilds (1), Guild Messages (1<<9), Direct Messages (1<<12), Message Content (1<<15). */
const INTENTS = 1 | (1 << 9) | (1 << 12) | (1 << 15);

test("login: GET /gateway/bot at apiBase, IDENTIFY with guild messages, DMs and message content, READY and GUILD_CREATE; status connected", async (t) => {
  const fake = await discordFakeFor(t);
  fake.world.guild("home");
  const { admin } = await startDiscordGateway(t, fake);
  assert.equal(fake.calls[0]?.method, "GET /gateway/bot");
  assert.equal(fake.calls[0]?.authorization, `Bot ${fake.token}`);
  const identify = fake.gateway.received("Identify");
  assert.equal(identify.length, 1);
  assert.equal(identify[0]!.params["intents"], INTENTS);
  assert.deepEqual(fake.gateway.frames.calls.filter((f) => f.method.startsWith("out:") && !f.method.includes("Heartbeat")).map((f) => f.method), ["out:Hello", "out:READY", "out:GUILD_CREATE"]);
  const st = await call<{ channels: Record<string, { accountId?: string; connected: boolean }> }>(admin, "channels.status");
  assert.equal(st.channels["discord"]?.accountId, "clawd");
  assert.equal(st.channels["discord"]?.connected, true);
});

test("heartbeat ACKs withheld: the zombie socket is dropped and the session RESUMEd on the resume URL; the message lost meanwhile is replayed and answered once", async (t) => {
  const fake = await discordFakeFor(t, 300);
  await startDiscordGateway(t, fake, { dmPolicy: "open" });
  const ada = fake.world.user("ada");
  const dm = fake.world.dm(ada);
  // The message goes out on the dying connection and is lost: only the RESUME replay brings it.
  fake.gateway.withholdAcks = true;
  fake.gateway.loseDispatches = true;
  fake.say({ author: ada.id, channel: dm.id, content: "while you were away" });
  await eventually("a RESUME", () => fake.gateway.received("Resume").length >= 1, 15_000);
  fake.gateway.withholdAcks = false;
  fake.gateway.loseDispatches = false;
  await discordReply(fake, dm.id, "echo: while you were away");
  assert.equal(fake.gateway.received("Identify").length, 1, "resumed, not identified again");
  assert.ok(fake.gateway.frames.of("out:RESUMED").length >= 1);
  assert.deepEqual(fake.gateway.frames.of("out:Hello").map((f) => f.params["path"]).slice(0, 2), ["/gateway", "/gateway-resume"]);
  assert.deepEqual(fake.delivered(dm.id), ["echo: while you were away"]);
  assert.equal(fake.gateway.peak, 1);
});

test("dropped sockets and a RECONNECT request: each time a resume with the missed messages replayed, one answer each, never two sockets", async (t) => {
  const fake = await discordFakeFor(t);
  const { admin } = await startDiscordGateway(t, fake, { dmPolicy: "open" });
  const ada = fake.world.user("ada");
  const dm = fake.world.dm(ada);
  for (let i = 0; i < 4; i++) {
    if (i % 2 === 0) fake.gateway.drop();
    else fake.gateway.requestReconnect();
    fake.say({ author: ada.id, channel: dm.id, content: `cut ${i}` });
    await eventually(`resume ${i + 1}`, () => fake.gateway.received("Resume").length === i + 1, 15_000);
    await discordReply(fake, dm.id, `echo: cut ${i}`);
  }
  assert.deepEqual(fake.delivered(dm.id), ["echo: cut 0", "echo: cut 1", "echo: cut 2", "echo: cut 3"]);
  assert.equal(fake.gateway.peak, 1);
  assert.equal(fake.gateway.received("Identify").length, 1);
  await eventually("connected again", async () => (await discordAccount(admin)).connected);
});

test("INVALID_SESSION: a fresh IDENTIFY, then messages are answered again", async (t) => {
  const fake = await discordFakeFor(t);
  await startDiscordGateway(t, fake, { dmPolicy: "open" });
  const ada = fake.world.user("ada");
  const dm = fake.world.dm(ada);
  fake.gateway.invalidateSession(false);
  await eventually("a second IDENTIFY", () => fake.gateway.received("Identify").length === 2, 20_000);
  await eventually("READY again", () => fake.gateway.frames.of("out:READY").length === 2);
  fake.say({ author: ada.id, channel: dm.id, content: "new session" });
  await discordReply(fake, dm.id, "echo: new session");
  assert.equal(fake.gateway.received("Resume").length, 0);
  assert.equal(fake.gateway.peak, 1);
});

test("4014 (Message Content intent off in the portal): stopped, the status says which switch to turn on, no retry", async (t) => {
  const fake = await discordFakeFor(t);
  fake.gateway.portal.messageContent = false;
  const { gw, admin } = await startDiscordGateway(t, fake, {}, { waitForReady: false });
  await eventually("4014 in status", async () => /4014/.test(String((await discordAccount(admin)).lastError)));
  const account = await discordAccount(admin);
  assert.match(String(account.lastError), /Developer Portal .*Bot → Privileged Gateway Intents, turn on MESSAGE CONTENT INTENT/);
  assert.deepEqual([account.running, account.connected], [false, false]);
  await sleep(2500);
  assert.equal(fake.gateway.opened, 1, "no second connection");
  assert.equal(fake.callsOf("GET /gateway/bot").length, 1);
  assert.match(gw.logs.tail(undefined, 5000, 10_000_000).lines.join("\n"), /not retrying until its config changes/);
});

test("4014 on a later reconnect, while running: stopped there with the same status, no loop", async (t) => {
  const fake = await discordFakeFor(t);
  const { admin } = await startDiscordGateway(t, fake);
  fake.gateway.portal.messageContent = false;
  fake.gateway.invalidateSession(false);
  await eventually("4014 in status", async () => /MESSAGE CONTENT INTENT/.test(String((await discordAccount(admin)).lastError)), 20_000);
  const opened = fake.gateway.opened;
  await sleep(2500);
  assert.equal(fake.gateway.opened, opened);
  assert.equal(fake.gateway.liveCount, 0);
  assert.equal((await discordAccount(admin)).connected, false);
});

test("a refused token (401 on GET /gateway/bot, or 4004 at IDENTIFY): stopped with a status naming Reset Token, no loop", async (t) => {
  const fake = await discordFakeFor(t);
  const { admin } = await startDiscordGateway(t, fake, { token: "wrong.token.value" }, { waitForReady: false });
  await eventually("refusal in status", async () => /4004/.test(String((await discordAccount(admin)).lastError)));
  assert.match(String((await discordAccount(admin)).lastError), /Bot → Reset Token, and put the new token in channels\.discord\.token/);
  assert.equal(fake.gateway.opened, 0);

  const second = await discordFakeFor(t);
  second.gateway.refuseToken = true;
  const other = await startDiscordGateway(t, second, {}, { waitForReady: false });
  await eventually("4004 in status", async () => /4004/.test(String((await discordAccount(other.admin)).lastError)));
  await sleep(2500);
  assert.equal(second.gateway.opened, 1);
  assert.equal(fake.callsOf("GET /gateway/bot").length, 1);
});

test("channels logout discord: the gateway socket closes and the account is no longer configured", async (t) => {
  const fake = await discordFakeFor(t);
  const { admin } = await startDiscordGateway(t, fake);
  const out = await call<{ stopped: boolean; cleared: boolean }>(admin, "channels.logout", { channel: "discord" });
  assert.deepEqual([out.stopped, out.cleared], [true, true]);
  await eventually("socket closed", () => fake.gateway.liveCount === 0);
  const account = await discordAccount(admin);
  assert.deepEqual([account.configured, account.running, account.connected], [false, false, false]);
});

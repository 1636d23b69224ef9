// Who the Slack channel answers: DM pairing (code, approval, then answers), the allowlist, channel
// rules with mention gating (and what channels.status says was dropped, and why), the bot's own
// and other bots' messages, edits. Bolt runs for real in Socket Mode against the fake Slack.
import { test } from "node:test";
import assert from "node:assert/strict";
import { call, eventually, history } from "./harness.js";
import { pairingCode, slackAccount, slackFakeFor, slackReply, startSlackGateway } from "./slack-harness.js";

test("DM pairing: a stranger gets a code and no agent; once approved they are told so and get answers", async (t) => {
  const fake = await slackFakeFor(t);
  const { admin } = await startSlackGateway(t, fake, { dmPolicy: "pairing" });
  const ada = fake.world.addPerson("ada");
  const dm = fake.world.dmWith(ada.id);

  fake.say({ user: ada.id, channel: dm.id, text: "hello" });
  const codeMsg = await slackReply(fake, dm.id, /pairing code/);
  const code = pairingCode(String(codeMsg.params["text"]));
  assert.match(String(codeMsg.params["text"]), new RegExp(`clawdbot pairing approve slack ${code}`));
  assert.equal(codeMsg.params["thread_ts"], undefined, "a DM is answered in the DM, not a thread");

  fake.say({ user: ada.id, channel: dm.id, text: "hello??" });
  await eventually("second DM counted as not allowed", async () => (await slackAccount(admin)).dropped["not_allowed"] === 1);
  assert.deepEqual(await history(admin, `agent:main:slack:dm:${ada.id}`), []);

  await call(admin, "channels.pairing.approve", { channel: "slack", code });
  await slackReply(fake, dm.id, /You are approved/);
  fake.say({ user: ada.id, channel: dm.id, text: "what is 2+2" });
  await slackReply(fake, dm.id, "echo: what is 2+2");
  assert.deepEqual(await history(admin, `agent:main:slack:dm:${ada.id}`), ["user: what is 2+2", "assistant: echo: what is 2+2"]);
  assert.equal(fake.delivered(dm.id).length, 3);
});

test("allowlist: listed people are answered, others dropped as not allowed", async (t) => {
  const fake = await slackFakeFor(t);
  const ada = fake.world.addPerson("ada");
  const eve = fake.world.addPerson("eve");
  const { admin } = await startSlackGateway(t, fake, { dmPolicy: "allowlist", allowFrom: [ada.id] });
  fake.say({ user: eve.id, channel: fake.world.dmWith(eve.id).id, text: "let me in" });
  fake.say({ user: ada.id, channel: fake.world.dmWith(ada.id).id, text: "hi" });
  await slackReply(fake, fake.world.dmWith(ada.id).id, "echo: hi");
  await eventually("eve dropped", async () => (await slackAccount(admin)).dropped["not_allowed"] === 1);
  assert.deepEqual(fake.delivered(fake.world.dmWith(eve.id).id), []);
});

test("channels: a mention (<@bot> or app_mention) is answered once; no mention, an unlisted channel, a person not in users, bots and edits are not", async (t) => {
  const fake = await slackFakeFor(t);
  const ada = fake.world.addPerson("ada");
  const eve = fake.world.addPerson("eve");
  const general = fake.world.addChannel("general");
  const team = fake.world.addChannel("team", { kind: "group" });
  const random = fake.world.addChannel("random");
  const { admin } = await startSlackGateway(t, fake, { channels: { [general.id]: {}, [team.id]: { users: [ada.id] } } });

  fake.say({ user: ada.id, channel: general.id, text: "talking among ourselves" });
  await eventually("no mention counted", async () => (await slackAccount(admin)).dropped["no_mention"] === 1);

  // A mention arrives twice (message and app_mention): one answer, in the channel (replyToMode off).
  const { ts } = fake.say({ user: ada.id, channel: general.id, text: "what time is it", mention: true });
  const answer = await slackReply(fake, general.id, "echo: @clawd what time is it");
  assert.equal(answer.params["thread_ts"], undefined);
  assert.deepEqual(fake.world.message(general.id, ts)?.reactions, [{ name: "eyes", users: [fake.world.bot.id] }], "ack reaction on the message answered");

  fake.say({ user: ada.id, channel: random.id, text: "anyone?", mention: true });
  await eventually("unlisted channel counted", async () => (await slackAccount(admin)).dropped["group_not_allowed"] === 1);
  fake.say({ user: eve.id, channel: team.id, text: "me too", mention: true });
  await eventually("eve not in team's users", async () => (await slackAccount(admin)).dropped["not_allowed"] === 1);
  fake.say({ user: ada.id, channel: team.id, text: "ship it", mention: true });
  await slackReply(fake, team.id, "echo: @clawd ship it");

  fake.deliverEvent(fake.world.otherBotMessage(general.id, `<@${fake.world.bot.id}> beep`));
  await eventually("other bot counted", async () => (await slackAccount(admin)).dropped["bot"] === 1);
  const original = fake.world.message(general.id, ts)!;
  fake.deliverEvent(fake.world.edit(original, `<@${fake.world.bot.id}> what time is it now`));
  fake.deliverEvent(fake.world.deletion(original));
  fake.say({ user: ada.id, channel: general.id, text: "still there?", mention: true });
  await slackReply(fake, general.id, "echo: @clawd still there?");

  const account = await slackAccount(admin);
  // The bot's own posts come back as events: each one counted, none answered.
  await eventually("own messages counted", async () => (await slackAccount(admin)).dropped["own_message"] === 3);
  assert.equal(account.dropped["duplicate"], 0, "message + app_mention of one mention are one message, not a duplicate");
  assert.deepEqual(fake.delivered(general.id), ["echo: @clawd what time is it", "echo: @clawd still there?"]);
  assert.equal((await history(admin, `agent:main:slack:group:${general.id}`)).length, 4, "one session for the channel");
  assert.equal((await history(admin, `agent:main:slack:group:${team.id}`)).length, 2, "another for the private channel");
  assert.deepEqual(fake.delivered(random.id), []);
  assert.deepEqual(fake.socketMode.unacked(), [], "every envelope acknowledged");
});

test("a redelivered envelope (Slack's retry) is answered once and counted as a duplicate", async (t) => {
  const fake = await slackFakeFor(t);
  const ada = fake.world.addPerson("ada");
  const { admin } = await startSlackGateway(t, fake, { dmPolicy: "open" });
  const dm = fake.world.dmWith(ada.id);
  const { envelopes } = fake.say({ user: ada.id, channel: dm.id, text: "once please" });
  await slackReply(fake, dm.id, "echo: once please");
  fake.socketMode.redeliver(envelopes[0]!);
  await eventually("duplicate counted", async () => (await slackAccount(admin)).dropped["duplicate"] === 1);
  assert.deepEqual(fake.delivered(dm.id), ["echo: once please"]);
});

test("channel rules: requireMention false answers every message; allow false and the \"*\" entry decide for the rest", async (t) => {
  const fake = await slackFakeFor(t);
  const ada = fake.world.addPerson("ada");
  const chatty = fake.world.addChannel("chatty");
  const muted = fake.world.addChannel("muted");
  const other = fake.world.addChannel("other");
  const { admin } = await startSlackGateway(t, fake, { channels: { [chatty.id]: { requireMention: false }, [muted.id]: { allow: false }, "*": { requireMention: false, users: [ada.id] } } });

  fake.say({ user: ada.id, channel: chatty.id, text: "no mention needed here" });
  await slackReply(fake, chatty.id, "echo: no mention needed here");
  fake.say({ user: ada.id, channel: muted.id, text: "hello?", mention: true });
  await eventually("allow false counted", async () => (await slackAccount(admin)).dropped["group_not_allowed"] === 1);
  // A channel not listed falls under "*": no mention needed, only ada.
  const eve = fake.world.addPerson("eve");
  fake.say({ user: eve.id, channel: other.id, text: "me?" });
  await eventually("eve not in the * users", async () => (await slackAccount(admin)).dropped["not_allowed"] === 1);
  fake.say({ user: ada.id, channel: other.id, text: "falls under star" });
  await slackReply(fake, other.id, "echo: falls under star");
  assert.deepEqual(fake.delivered(muted.id), []);
  assert.deepEqual(fake.delivered(other.id), ["echo: falls under star"]);
});

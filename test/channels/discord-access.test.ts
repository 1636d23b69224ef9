// Who the Discord channel answers: DM pairing approved with the CLI, guild and channel rules with
// mention gating (`<@id>`, `<@!id>`, a reply to the bot), threads following their parent channel,
// bots ignored, a session per DM peer, channel and thread, and the drop reasons channels.status
// reports. discord.js runs for real against the fake Discord; the agent is the built-in echo.
import { test } from "node:test";
import assert from "node:assert/strict";
import { runCli } from "./cli.js";
import { eventually, history } from "./harness.js";
import { discordAccount, discordFakeFor, discordReply, startDiscordGateway } from "./discord-harness.js";

test("DM pairing: a stranger gets a code; `clawdbot pairing approve discord <code>` lets them in and they are answered", async (t) => {
  const fake = await discordFakeFor(t);
  const { gw, admin } = await startDiscordGateway(t, fake);
  const ada = fake.world.user("ada");
  const dm = fake.world.dm(ada);
  fake.say({ author: ada.id, channel: dm.id, content: "hello" });
  const codeMsg = await discordReply(fake, dm.id, /pairing code/);
  const code = /pairing code: (\S+)/.exec(String(codeMsg.params["content"]))![1]!;
  fake.say({ author: ada.id, channel: dm.id, content: "hello??" });
  await eventually("second DM not allowed", async () => (await discordAccount(admin)).dropped["not_allowed"] === 1);

  const approve = await runCli(["pairing", "approve", "discord", code, "--url", gw.url], gw.stateDir);
  assert.equal(approve.code, 0, approve.stderr);
  await discordReply(fake, dm.id, /You are approved/);
  fake.say({ author: ada.id, channel: dm.id, content: "now?" });
  await discordReply(fake, dm.id, "echo: now?");
  assert.deepEqual(await history(admin, `agent:main:discord:dm:${ada.id}`), ["user: now?", "assistant: echo: now?"]);
});

test("allowlist: listed people are answered in DMs, others dropped as not allowed with no pairing code", async (t) => {
  const fake = await discordFakeFor(t);
  const ada = fake.world.user("ada");
  const eve = fake.world.user("eve");
  const { admin } = await startDiscordGateway(t, fake, { dmPolicy: "allowlist", allowFrom: [ada.id] });
  fake.say({ author: eve.id, channel: fake.world.dm(eve).id, content: "let me in" });
  fake.say({ author: ada.id, channel: fake.world.dm(ada).id, content: "hi" });
  await discordReply(fake, fake.world.dm(ada).id, "echo: hi");
  await eventually("eve dropped", async () => (await discordAccount(admin)).dropped["not_allowed"] === 1);
  assert.deepEqual(fake.delivered(fake.world.dm(eve).id), []);
});

test("guilds: mentions in both forms and replies to the bot are answered; rules per guild, channel and user; threads follow their parent; bots dropped", async (t) => {
  const fake = await discordFakeFor(t);
  const ada = fake.world.user("ada");
  const eve = fake.world.user("eve");
  const robot = fake.world.user("robot", { bot: true });
  const home = fake.world.guild("home", [ada, eve, robot]);
  const general = fake.world.textChannel(home, "general");
  const dev = fake.world.textChannel(home, "dev");
  const secret = fake.world.textChannel(home, "secret");
  const devThread = fake.world.thread(dev, "design", ada);
  const secretThread = fake.world.thread(secret, "plans", ada);
  const other = fake.world.guild("elsewhere", [ada]);
  const lobby = fake.world.textChannel(other, "lobby");
  const { admin } = await startDiscordGateway(t, fake, {
    guilds: { [home.id]: { users: [ada.id], channels: { [general.id]: {}, [dev.id]: { requireMention: false }, [secret.id]: { allow: false } } } },
  });
  const dropped = async () => (await discordAccount(admin)).dropped;

  fake.say({ author: ada.id, channel: general.id, content: "chatting" });
  await eventually("no mention", async () => (await dropped())["no_mention"] === 1);
  fake.say({ author: ada.id, channel: general.id, content: "plain form", mention: "plain" });
  const first = await discordReply(fake, general.id, "echo: plain form");
  fake.say({ author: ada.id, channel: general.id, content: "nickname form", mention: "nickname" });
  await discordReply(fake, general.id, "echo: nickname form");
  const botMessage = (first.result as { id: string }).id;
  fake.say({ author: ada.id, channel: general.id, content: "about your answer", replyTo: botMessage });
  await discordReply(fake, general.id, "echo: about your answer");

  fake.say({ author: ada.id, channel: dev.id, content: "no mention needed here" });
  await discordReply(fake, dev.id, "echo: no mention needed here");
  fake.say({ author: ada.id, channel: devThread.id, content: "nor in its thread" });
  await discordReply(fake, devThread.id, "echo: nor in its thread");

  fake.say({ author: ada.id, channel: secret.id, content: "here?", mention: "plain" });
  fake.say({ author: ada.id, channel: secretThread.id, content: "or here?", mention: "plain" });
  fake.say({ author: ada.id, channel: lobby.id, content: "hello?", mention: "plain" });
  await eventually("three channels not allowed", async () => (await dropped())["group_not_allowed"] === 3);
  fake.say({ author: eve.id, channel: general.id, content: "me too", mention: "plain" });
  await eventually("eve not in the guild's users", async () => (await dropped())["not_allowed"] === 1);
  fake.say({ author: robot.id, channel: general.id, content: "beep", mention: "plain" });
  await eventually("bot dropped", async () => (await dropped())["bot"] === 1);
  // Each answer came back as MESSAGE_CREATE from the bot itself.
  await eventually("own messages", async () => (await dropped())["own_message"] === 5);

  assert.deepEqual(fake.delivered(general.id), ["echo: plain form", "echo: nickname form", "echo: about your answer"]);
  assert.deepEqual([secret.id, secretThread.id, lobby.id].flatMap((id) => fake.delivered(id)), []);
  assert.equal((await history(admin, `agent:main:discord:group:${general.id}`)).length, 6, "one session for the channel");
  assert.equal((await history(admin, `agent:main:discord:group:${dev.id}`)).length, 2);
  assert.equal((await history(admin, `agent:main:discord:group:${devThread.id}`)).length, 2, "the thread is its own session");
  // The ack reaction goes on answered messages that mentioned the bot (ackReaction.group "mentions").
  const acked = [...fake.world.messages.values()].filter((m) => m.reactions?.some((r) => r.emoji.name === "👀" && r.me)).map((m) => m.content);
  assert.deepEqual(acked, [`<@${fake.world.bot.id}> plain form`, `<@!${fake.world.bot.id}> nickname form`, "about your answer"]);
});

// Who the Telegram channel talks to: DM pairing (code, CLI approval, survives a restart), the
// allowlist / open / disabled DM policies, group mention gating and per-chat session keys.
// grammY runs for real against the fake Bot API; the agent is the built-in echo.
import { test } from "node:test";
import assert from "node:assert/strict";
import { runCli } from "./cli.js";
import { call, fakeFor, history, repliedTo, replyIn, startTelegramGateway, tempStateDir } from "./harness.js";

const CODE = /Your pairing code: ([A-Z0-9]{8})/;

interface PairingList {
  pending: { channel: string; code: string; senderId: string; chatId: string }[];
  approved: { channel: string; senderId: string }[];
}

test("DM pairing: a stranger gets a code and no agent; approved by the CLI they are told so, then get answers, also after a restart", async (t) => {
  const fake = await fakeFor(t);
  const stateDir = await tempStateDir(t);
  const { gw, admin } = await startTelegramGateway(t, fake, { dmPolicy: "pairing" }, { stateDir });

  const { message: hello } = fake.pushMessage({ from: { id: 1001, first_name: "Ada" }, text: "hello" });
  const codeMsg = await replyIn(fake, 1001, CODE);
  const code = CODE.exec(String(codeMsg.params["text"]))![1]!;
  assert.match(String(codeMsg.params["text"]), new RegExp(`clawdbot pairing approve telegram ${code}`));
  assert.equal(repliedTo(codeMsg), hello.message_id);

  // Writing again before approval neither reaches the agent nor repeats the code. The owner's
  // message pushed right after it is the sentinel: once it is answered, the stranger's was handled.
  fake.pushMessage({ from: 1001, text: "hello??" });
  fake.pushMessage({ from: 7, text: "owner here" });
  await replyIn(fake, 7, "echo: owner here");
  assert.deepEqual(fake.delivered(1001), [String(codeMsg.params["text"])]);
  assert.deepEqual(await history(admin, "agent:main:telegram:dm:1001"), []);

  const listed = await call<PairingList>(admin, "channels.pairing.list", { channel: "telegram" });
  assert.deepEqual(
    listed.pending.map((p) => [p.channel, p.code, p.senderId, p.chatId]),
    [["telegram", code, "1001", "1001"]],
  );

  const approve = await runCli(["pairing", "approve", "telegram", code.toLowerCase(), "--url", gw.url], gw.stateDir);
  assert.equal(approve.code, 0, approve.stderr);
  assert.match(approve.stdout, /approved telegram sender 1001/);
  await replyIn(fake, 1001, /You are approved/);

  const { message: question } = fake.pushMessage({ from: 1001, text: "what is 2+2" });
  const answer = await replyIn(fake, 1001, "echo: what is 2+2");
  assert.equal(repliedTo(answer), question.message_id);
  const after = await call<PairingList>(admin, "channels.pairing.list", { channel: "telegram" });
  assert.deepEqual(after.pending, []);
  assert.deepEqual(after.approved.map((a) => a.senderId), ["1001"]);

  await gw.stop();
  const again = await startTelegramGateway(t, fake, { dmPolicy: "pairing" }, { stateDir });
  fake.pushMessage({ from: 1001, text: "still me" });
  await replyIn(fake, 1001, "echo: still me");
  assert.equal(fake.delivered(1001).filter((s) => CODE.test(s)).length, 1, "no new pairing code after the restart");
  assert.deepEqual(
    (await history(again.admin, "agent:main:telegram:dm:1001")).filter((l) => l.startsWith("user:")),
    ["user: what is 2+2", "user: still me"],
  );
});

test("dmPolicy allowlist: a listed sender is answered, anyone else is ignored without a pairing code", async (t) => {
  const fake = await fakeFor(t);
  const { admin } = await startTelegramGateway(t, fake, { dmPolicy: "allowlist", allowFrom: ["42"] });
  fake.pushMessage({ from: 43, text: "let me in" });
  const { message } = fake.pushMessage({ from: 42, text: "hi" });
  const reply = await replyIn(fake, 42, "echo: hi");
  assert.equal(repliedTo(reply), message.message_id);
  assert.deepEqual(fake.delivered(43), []);
  assert.deepEqual(await history(admin, "agent:main:telegram:dm:43"), []);
  assert.deepEqual((await call<PairingList>(admin, "channels.pairing.list")).pending, []);
});

test("dmPolicy open answers every sender, each in their own session", async (t) => {
  const fake = await fakeFor(t);
  const { admin } = await startTelegramGateway(t, fake, { dmPolicy: "open" });
  fake.pushMessage({ from: 43, text: "one" });
  fake.pushMessage({ from: 44, text: "two" });
  await replyIn(fake, 43, "echo: one");
  await replyIn(fake, 44, "echo: two");
  assert.deepEqual(await history(admin, "agent:main:telegram:dm:43"), ["user: one", "assistant: echo: one"]);
  assert.deepEqual(await history(admin, "agent:main:telegram:dm:44"), ["user: two", "assistant: echo: two"]);
});

test("dmPolicy disabled answers no DM, not even an owner's or a listed sender's; groups still work", async (t) => {
  const fake = await fakeFor(t);
  await startTelegramGateway(t, fake, { dmPolicy: "disabled", allowFrom: ["42"] });
  fake.pushMessage({ from: 42, text: "dm" });
  fake.pushMessage({ from: 7, text: "owner dm" });
  fake.pushMessage({ from: 42, group: { id: -500 }, text: "in the group", mention: true });
  await replyIn(fake, -500, /^echo: .*in the group$/);
  assert.deepEqual(fake.delivered(42), []);
  assert.deepEqual(fake.delivered(7), []);
});

test("groups: no reply without a mention; a @mention entity or a reply to the bot is answered, in the group's own session", async (t) => {
  const fake = await fakeFor(t);
  const { admin } = await startTelegramGateway(t, fake, { dmPolicy: "allowlist", allowFrom: ["42"] });
  const group = { id: -100200300, title: "Team", type: "supergroup" as const };

  fake.pushMessage({ from: 42, group, text: "just chatting" });
  const { message: mentioned } = fake.pushMessage({ from: 42, group, text: "what time is it", mention: true });
  const first = await replyIn(fake, group.id, `echo: @${fake.bot.username} what time is it`);
  assert.equal(repliedTo(first), mentioned.message_id);

  const botMessageId = (first.result as { message_id: number }).message_id;
  const { message: reply } = fake.pushMessage({ from: 43, group, text: "and tomorrow?", replyTo: botMessageId });
  const second = await replyIn(fake, group.id, "echo: and tomorrow?");
  assert.equal(repliedTo(second), reply.message_id);

  // A mention of somebody else is no mention of the bot.
  fake.pushMessage({ from: 42, group, text: "@someone_else look" });
  fake.pushMessage({ from: 42, group, text: "last one", mention: true });
  await replyIn(fake, group.id, /last one$/);

  fake.pushMessage({ from: 42, text: "private" });
  await replyIn(fake, 42, "echo: private");

  const groupLog = await history(admin, `agent:main:telegram:group:${group.id}`);
  assert.deepEqual(
    groupLog.filter((l) => l.startsWith("user:")),
    [`user: @${fake.bot.username} what time is it`, "user: and tomorrow?", `user: @${fake.bot.username} last one`],
  );
  assert.deepEqual(await history(admin, "agent:main:telegram:dm:42"), ["user: private", "assistant: echo: private"]);
  assert.equal(fake.delivered(group.id).length, 3);
});

test("groups with requireMention false: every group message is answered", async (t) => {
  const fake = await fakeFor(t);
  const { admin } = await startTelegramGateway(t, fake, { groups: { requireMention: false } });
  fake.pushMessage({ from: 55, group: { id: -77 }, text: "anyone?" });
  fake.pushMessage({ from: 56, group: { id: -77 }, text: "hello all" });
  await replyIn(fake, -77, "echo: anyone?");
  await replyIn(fake, -77, "echo: hello all");
  assert.deepEqual(
    (await history(admin, "agent:main:telegram:group:-77")).filter((l) => l.startsWith("user:")),
    ["user: anyone?", "user: hello all"],
  );
});

test("groups.allow: only the listed groups are answered; a stranger's group gets nothing, mention or not", async (t) => {
  const fake = await fakeFor(t);
  const { admin } = await startTelegramGateway(t, fake, { groups: { allow: ["-77"] } });
  fake.pushMessage({ from: 55, group: { id: -88 }, text: "hi bot", mention: true });
  fake.pushMessage({ from: 55, group: { id: -77 }, text: "hi bot", mention: true });
  // Updates are handled in order: once -77 is answered, the -88 message was already decided.
  await replyIn(fake, -77, /hi bot$/);
  assert.equal(fake.delivered(-88).length, 0);
  assert.equal(fake.calls.filter((c) => c.method === "sendChatAction" && String(c.params["chat_id"]) === "-88").length, 0);
  assert.deepEqual(await history(admin, "agent:main:telegram:group:-88"), []);
});

test("an owner's DMs share the main session", async (t) => {
  const fake = await fakeFor(t);
  const { admin } = await startTelegramGateway(t, fake, { dmPolicy: "pairing", owners: ["7"] });
  fake.pushMessage({ from: 7, text: "note to self" });
  await replyIn(fake, 7, "echo: note to self");
  assert.deepEqual((await history(admin, "main")).slice(-2), ["user: note to self", "assistant: echo: note to self"]);
  assert.deepEqual(await history(admin, "agent:main:telegram:dm:7"), []);
});

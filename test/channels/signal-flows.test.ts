// Signal against a daemon someone else runs (httpUrl): the fake daemon in this process, the real
// gateway, the echo agent. DM pairing and allowlists (UUID-only senders as uuid:<id>), group
// mention gating through Signal's mention placeholder, what is ignored, chunking, attachments in
// and out, typing, read receipts and the ack reaction.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { MENTION, editEnvelope, receiptEnvelope, syncSentEnvelope, typingEnvelope, messageEnvelope } from "../fakes/signal/envelopes.js";
import { runCli } from "./cli.js";
import { call, eventually, history, tempStateDir } from "./harness.js";
import { account, externalDaemon, signalConfig, signalNetwork, startSignalGateway, type SignalFileConfig } from "./signal-harness.js";

const CODE = /Your pairing code: ([A-Z0-9]{8})/;

async function setup(t: Parameters<typeof signalNetwork>[0], overrides: Partial<SignalFileConfig> = {}) {
  const net = await signalNetwork(t);
  const daemon = await externalDaemon(t, net);
  const run = await startSignalGateway(t, signalConfig(net.bot.number!, { httpUrl: daemon.url, ...overrides }));
  return { net, daemon, ...run };
}

test("DM pairing with a UUID-only sender: a code, CLI approval as uuid:<id>, then answers in the sender's own session", async (t) => {
  const { net, gw, admin } = await setup(t, { dmPolicy: "pairing" });
  const ghost = net.user("Ghost", { number: null });
  net.message(ghost, "hi, no number here");
  await net.until("the pairing code", () => net.sentTo({ recipient: ghost.uuid }).length === 1);
  const text = net.sentTo({ recipient: ghost.uuid })[0]!.text;
  const code = CODE.exec(text)![1]!;
  assert.match(text, new RegExp(`clawdbot pairing approve signal ${code}`));
  const listed = await call<{ pending: { senderId: string; chatId: string }[] }>(admin, "channels.pairing.list", { channel: "signal" });
  assert.deepEqual(listed.pending.map((p) => [p.senderId, p.chatId]), [[`uuid:${ghost.uuid}`, `uuid:${ghost.uuid}`]]);

  const approve = await runCli(["pairing", "approve", "signal", code, "--url", gw.url], gw.stateDir);
  assert.equal(approve.code, 0, approve.stderr);
  assert.match(approve.stdout, new RegExp(`approved signal sender uuid:${ghost.uuid}`));
  await net.until("approval notice", () => net.sentTo({ recipient: ghost.uuid }).length === 2);
  net.message(ghost, "now?");
  await net.until("answer", () => net.sentTo({ recipient: ghost.uuid }).some((d) => d.text === "echo: now?"));
  assert.deepEqual((await history(admin, `agent:main:signal:dm:uuid:${ghost.uuid}`)).filter((l) => l.startsWith("user:")), ["user: now?"]);
});

test("allowlist: listed numbers and uuid:<id> entries (any case) are answered, others dropped and counted", async (t) => {
  const net = await signalNetwork(t);
  const daemon = await externalDaemon(t, net);
  const ada = net.user("Ada");
  const bo = net.user("Bo", { number: null });
  const eve = net.user("Eve");
  const { admin } = await startSignalGateway(t, signalConfig(net.bot.number!, { httpUrl: daemon.url, dmPolicy: "allowlist", allowFrom: [ada.number!, `UUID:${bo.uuid.toUpperCase()}`] }));
  net.message(eve, "let me in");
  net.message(ada, "from ada");
  net.message(bo, "from bo");
  await net.until("two answers", () => net.sentTo({ recipient: ada.number! }).length === 1 && net.sentTo({ recipient: bo.uuid }).length === 1);
  assert.deepEqual(net.sentTo({ recipient: eve.number! }), []);
  await eventually("the drop counted", async () => (await account(admin, "signal")).dropped["not_allowed"] === 1);
});

test("groups: mention placeholders for the bot's number or UUID, mention patterns and quotes of the bot count; unlisted and unmentioned messages are dropped and counted", async (t) => {
  const net = await signalNetwork(t);
  const daemon = await externalDaemon(t, net);
  const gid = net.groupId();
  const quiet = net.groupId();
  const stranger = net.groupId();
  const { admin } = await startSignalGateway(
    t,
    signalConfig(net.bot.number!, {
      httpUrl: daemon.url,
      groupPolicy: "allowlist",
      groups: { [gid]: {}, [quiet]: { requireMention: false } },
      mentionPatterns: ["\\bclawd\\b"],
    }),
  );
  const ada = net.user("Ada");
  const info = (groupId: string) => ({ groupId, groupName: "Climbing" });
  net.message(ada, "no mention here", { groupInfo: info(gid) });
  net.message(ada, "someone else mentioned", { groupInfo: info(stranger), mentions: [{ number: net.bot.number!, uuid: net.bot.uuid, start: 0, length: 1 }] });
  const byNumber = net.message(ada, `${MENTION} what time is it`, { groupInfo: info(gid), mentions: [{ number: net.bot.number!, uuid: net.bot.uuid, start: 0, length: 1 }] });
  net.message(ada, `hey ${MENTION}, by uuid`, { groupInfo: info(gid), mentions: [{ uuid: net.bot.uuid, start: 4, length: 1 }] });
  net.message(ada, "Clawd, by pattern", { groupInfo: info(gid) });
  net.message(ada, "replying to you", { groupInfo: info(gid), quote: { id: 123, author: net.bot, text: "an earlier answer" } });
  net.message(ada, "no mention needed here", { groupInfo: info(quiet) });
  await net.until("five group answers", () => net.sentTo({ groupId: gid }).length === 4 && net.sentTo({ groupId: quiet }).length === 1);
  const texts = net.sentTo({ groupId: gid }).map((d) => d.text);
  assert.deepEqual(texts, [`echo: @${net.bot.number} what time is it`, `echo: hey @${net.bot.number}, by uuid`, "echo: Clawd, by pattern", `echo: [Replying to ${net.bot.number}: "an earlier answer"]\nreplying to you`]);
  const first = net.sentTo({ groupId: gid })[0]!;
  assert.equal(first.quoteTimestamp, byNumber, "a group answer quotes the message it answers");
  assert.deepEqual(net.sentTo({ groupId: stranger }), []);
  const st = await account(admin, "signal");
  assert.equal(st.dropped["no_mention"], 1);
  assert.equal(st.dropped["group_not_allowed"], 1);
});

test("groupPolicy open serves any group but one listed with allow:false; disabled serves none", async (t) => {
  const net = await signalNetwork(t);
  const daemon = await externalDaemon(t, net);
  const open = net.groupId();
  const denied = net.groupId();
  const { admin } = await startSignalGateway(t, signalConfig(net.bot.number!, { httpUrl: daemon.url, groupPolicy: "open", groups: { "*": { requireMention: false }, [denied]: { allow: false } } }));
  const ada = net.user("Ada");
  net.message(ada, "denied", { groupInfo: { groupId: denied, groupName: "x" } });
  net.message(ada, "anyone", { groupInfo: { groupId: open, groupName: "y" } });
  await net.until("answer in the open group", () => net.sentTo({ groupId: open }).length === 1);
  assert.deepEqual(net.sentTo({ groupId: denied }), []);
  assert.equal((await account(admin, "signal")).dropped["group_not_allowed"], 1);
});

test("an edit reaches the agent as the message's new wording, marked as an edit, and is answered", async (t) => {
  const { net, admin } = await setup(t);
  const ada = net.user("Ada");
  const original = net.message(ada, "what is 2+3?");
  await net.until("first answer", () => net.sentTo({ recipient: ada.number! }).length === 1);
  net.push(editEnvelope(ada, net.nextTimestamp(), original, "what is 2+4?"));
  await net.until("answer to the edit", () => net.sentTo({ recipient: ada.number! }).length === 2);
  assert.deepEqual(net.sentTo({ recipient: ada.number! }).map((d) => d.text), ["echo: what is 2+3?", "echo: [Edited an earlier message; the new text follows]\nwhat is 2+4?"]);
  assert.deepEqual((await history(admin, `agent:main:signal:dm:${ada.number}`)).filter((l) => l.startsWith("user:")), ["user: what is 2+3?", "user: [Edited an earlier message; the new text follows]\nwhat is 2+4?"]);
});

test("reactions, typing, receipts, sync messages and the account's own messages never reach the agent", async (t) => {
  const { net, admin } = await setup(t);
  const ada = net.user("Ada");
  const ts = net.nextTimestamp();
  net.push(messageEnvelope(ada, net.nextTimestamp(), null, { reaction: { emoji: "👍", targetAuthor: net.bot, targetSentTimestamp: ts } }));
  net.push(typingEnvelope(ada, net.nextTimestamp()));
  net.push(receiptEnvelope(ada, net.nextTimestamp(), ts));
  net.push(syncSentEnvelope(net.bot, net.nextTimestamp(), ada.number!, "sent from my phone"));
  net.push(messageEnvelope(net.bot, net.nextTimestamp(), "note to self"));
  net.message(ada, "sentinel");
  await net.until("the sentinel's answer", () => net.sentTo({ recipient: ada.number! }).length === 1);
  assert.deepEqual(net.sentTo({ recipient: ada.number! }).map((d) => d.text), ["echo: sentinel"]);
  assert.deepEqual((await history(admin, `agent:main:signal:dm:${ada.number}`)).filter((l) => l.startsWith("user:")), ["user: sentinel"]);
  await eventually("own and sync counted", async () => (await account(admin, "signal")).dropped["own_message"] === 2);
});

test("a 10,000-character reply goes out in 3 sends of at most 4,000 characters, in order", async (t) => {
  const { net } = await setup(t);
  const ada = net.user("Ada");
  const long = Array.from({ length: 1500 }, (_, i) => `w${String(i).padStart(4, "0")}x`).join(" ").slice(0, 10_000);
  net.message(ada, long);
  await net.until("three parts", () => net.sentTo({ recipient: ada.number! }).length === 3, 30_000);
  const parts = net.sentTo({ recipient: ada.number! }).map((d) => d.text);
  assert.ok(parts.every((p) => p.length <= 4000), parts.map((p) => p.length).join(","));
  // Cut at spaces: the words, in order, are exactly the reply's.
  const words = parts.join(" ").split(/\s+/);
  const expected = `echo: ${long}`.split(/\s+/);
  assert.equal(words.length, expected.length);
  assert.ok(words.every((w, i) => w === expected[i]), "the parts joined are the reply");
});

test("attachments in: fetched with getAttachment into the state dir and named to the agent; one over mediaMaxMb is announced, not fetched", async (t) => {
  const { net, stateDir } = await setup(t, { mediaMaxMb: 0.01 });
  const ada = net.user("Ada");
  const png = Buffer.from("89504e470d0a1a0a-fake-png-bytes");
  const small = net.attachment(png, "image/png", "cat.png");
  const big = net.attachment(Buffer.alloc(20_000, 7), "application/pdf", "big.pdf");
  net.message(ada, "look", { attachments: [small, big] });
  await net.until("answer", () => net.sentTo({ recipient: ada.number! }).length === 1);
  const answer = net.sentTo({ recipient: ada.number! })[0]!.text;
  const path = /photo: ([^\s\]]+)/.exec(answer)?.[1] ?? "";
  assert.ok(path.startsWith(join(stateDir, "media", "signal", "default")), answer);
  assert.deepEqual(await readFile(path), png);
  assert.match(answer, /\[document "big\.pdf" \(19\.5 KB\) not downloaded: larger than 0 MB \(mediaMaxMb\)\]/);
  assert.deepEqual(net.callsOf("getAttachment").map((c) => c.params["id"]), [small.id]);
});

test("attachments out: `send` with a file path goes to signal-cli as an attachment", async (t) => {
  const { net, admin } = await setup(t);
  const ada = net.user("Ada");
  const dir = await tempStateDir(t);
  const file = join(dir, "report.pdf");
  await writeFile(file, "%PDF-1.4 fake");
  const res = await call<{ status: string }>(admin, "send", { to: `signal:${ada.number}`, message: "the report", mediaUrl: file, idempotencyKey: "att-1" });
  assert.equal(res.status, "sent");
  const sent = net.sentTo({ recipient: ada.number! });
  assert.deepEqual(sent.map((d) => [d.text, d.attachments.map((a) => [a.name, a.bytes.toString()])]), [
    ["", [["report.pdf", "%PDF-1.4 fake"]]],
    ["the report", []],
  ]);
});

test("while the agent works: sendTyping as a notification (201); read receipt and ack reaction when configured", async (t) => {
  const { net, daemon } = await setup(t, { sendReadReceipts: true, ackReaction: { emoji: "👀", direct: true } });
  const ada = net.user("Ada");
  const ts = net.message(ada, "hi");
  await net.until("answer", () => net.sentTo({ recipient: ada.number! }).length === 1);
  await net.until("receipt and reaction", () => net.callsOf("sendReceipt").length === 1 && net.callsOf("sendReaction").length === 1);
  assert.deepEqual(net.callsOf("sendReceipt")[0]!.params, { recipient: [ada.number], targetTimestamp: [ts], type: "read" });
  assert.deepEqual(net.callsOf("sendReaction")[0]!.params, { recipient: [ada.number], emoji: "👀", targetAuthor: ada.number, targetTimestamp: ts });
  const typing = daemon.requests.filter((r) => r.method === "sendTyping");
  assert.ok(typing.length >= 1);
  assert.equal(typing[0]!.id, undefined, "typing is sent as a notification");
  assert.deepEqual(typing[0]!.params, { recipient: [ada.number] });
});

test("without sendReadReceipts no receipt is sent", async (t) => {
  const { net } = await setup(t);
  const ada = net.user("Ada");
  net.message(ada, "hi");
  await net.until("answer", () => net.sentTo({ recipient: ada.number! }).length === 1);
  assert.equal(net.callsOf("sendReceipt").length, 0);
  assert.equal(net.callsOf("sendReaction").length, 0);
});

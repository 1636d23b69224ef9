// WhatsApp inbound through the fake socket (Baileys' event buffer, real WebMessageInfo protos):
// notify vs history append, broadcasts, unwrapping, JIDs and LIDs to E.164, groups and mention
// gating, quoted context, dedupe, media download and limits, self-chat mode, policies, pairing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile, stat } from "node:fs/promises";
import { runCli } from "./cli.js";
import { call, eventually, history } from "./harness.js";
import { jidOf, startWhatsAppGateway, whatsappAccount } from "./whatsapp-harness.js";

const GROUP = "120363000000000001@g.us";

test("a DM reaches the agent; the reply quotes it, typing and a read receipt go to the chat", async (t) => {
  const { fake, admin } = await startWhatsAppGateway(t);
  const inbound = fake.push({ from: "15551230001", text: "hello there", pushName: "Ann" });
  const reply = await fake.waitForSent("echo reply", (s) => s.jid === jidOf("15551230001") && (s.content as { text?: string }).text === "echo: hello there");
  assert.equal(reply.options?.quoted?.key?.id, inbound.key.id);
  assert.ok(fake.presence.some((p) => p.type === "composing" && p.jid === jidOf("15551230001")), "no composing presence");
  assert.ok(fake.reads.some((k) => k.id === inbound.key.id), "no read receipt");
  const a = await whatsappAccount(admin);
  assert.equal(a.linked, true);
  assert.equal(a.name, `+${fake.self.pn}`);
  assert.equal(typeof a.lastInboundAt, "number");
  assert.deepEqual(await history(admin, "agent:main:whatsapp:dm:+15551230001"), ["user: hello there", "assistant: echo: hello there"]);
});

test("history sync (append) never reaches the agent, broadcasts and own messages are skipped; each is counted", async (t) => {
  const { fake, admin } = await startWhatsAppGateway(t);
  fake.pushHistory([{ from: "15551230002", text: "old 1" }, { from: "15551230002", text: "old 2" }]);
  fake.push({ from: "15551230002", text: "a status", group: "status@broadcast" });
  fake.push({ from: fake.self.pn, fromMe: true, to: "15551230009", text: "typed on the phone" });
  fake.push({ from: "15551230002", text: "new" });
  await fake.waitForSent("reply to new", (s) => (s.content as { text?: string }).text === "echo: new");
  await eventually("drops counted", async () => {
    const d = (await whatsappAccount(admin)).dropped;
    return d["history"] === 2 && d["broadcast"] === 1 && d["own_message"] === 1;
  });
  assert.deepEqual(fake.textsTo(jidOf("15551230002")), ["echo: new"]);
  assert.deepEqual(fake.textsTo(jidOf("15551230009")), []);
});

test("ephemeral and view-once messages are unwrapped; captions count as text", async (t) => {
  const { fake } = await startWhatsAppGateway(t);
  fake.push({ from: "15551230003", text: "disappearing", ephemeral: true });
  await fake.waitForSent("ephemeral", (s) => (s.content as { text?: string }).text === "echo: disappearing");
  fake.push({ from: "15551230003", image: { bytes: Buffer.from("img"), caption: "once" }, viewOnce: true });
  await fake.waitForSent("view once", (s) => /^echo: once\n\[photo: .*FAKE\d+-0\.jpg\]$/.test((s.content as { text?: string }).text ?? ""));
});

test("the same message delivered twice is answered once (dedupe by account, chat and id)", async (t) => {
  const { fake, admin } = await startWhatsAppGateway(t);
  fake.push({ from: "15551230004", text: "once only", id: "DUP1" });
  fake.push({ from: "15551230004", text: "once only", id: "DUP1" });
  fake.push({ from: "15551230004", text: "after" });
  await fake.waitForSent("after", (s) => (s.content as { text?: string }).text === "echo: after");
  assert.deepEqual(fake.textsTo(jidOf("15551230004")), ["echo: once only", "echo: after"]);
  await eventually("duplicate counted", async () => (await whatsappAccount(admin)).dropped["duplicate"] === 1);
});

test("a DM addressed by LID is mapped to the phone number through Baileys' LID mapping (allowFrom in E.164 lets it in)", async (t) => {
  const { fake, admin } = await startWhatsAppGateway(t, { dmPolicy: "allowlist", allowFrom: ["+15551230005"] });
  await fake.knowLid("15551230005", "77770005");
  fake.push({ from: "lid:77770005", text: "via lid" });
  await fake.waitForSent("reply via lid", (s) => (s.content as { text?: string }).text === "echo: via lid");
  fake.push({ from: "15551230006", text: "stranger" });
  await eventually("stranger dropped", async () => (await whatsappAccount(admin)).dropped["not_allowed"] === 1);
  assert.deepEqual(fake.textsTo(jidOf("15551230006")), []);
});

test("groups: a mention of the bot's LID is answered, an unmentioned message is dropped (counted), subject comes from cached metadata", async (t) => {
  const { fake, admin } = await startWhatsAppGateway(t, { groupPolicy: "allowlist", groups: { [GROUP]: { requireMention: true } } });
  fake.addGroup(GROUP, "Family", [jidOf("15551230007"), fake.selfJid]);
  await fake.knowLid("15551230007", "77770007");
  fake.push({ from: "lid:77770007", group: GROUP, text: "just chatting" });
  fake.push({ from: "lid:77770007", group: GROUP, text: "@bot what time is it", mentions: [fake.selfLid] });
  const reply = await fake.waitForSent("group reply", (s) => s.jid === GROUP);
  assert.equal((reply.content as { text: string }).text, "echo: @bot what time is it");
  await eventually("no_mention counted", async () => (await whatsappAccount(admin)).dropped["no_mention"] === 1);
  fake.push({ from: "15551230007", group: GROUP, text: "reply to you", replyTo: { id: reply.id, participant: fake.selfJid, text: "echo: @bot what time is it" } });
  await fake.waitForSent("reply-to-bot answered", (s) => s.jid === GROUP && (s.content as { text?: string }).text?.startsWith("echo: [Replying to") === true);
  assert.equal(fake.metadataQueries, 1, "group metadata is cached");
  const { messages } = await call<{ messages: { senderName?: string }[] }>(admin, "chat.history", { sessionKey: `agent:main:whatsapp:group:${GROUP}` });
  assert.equal(messages[0]?.senderName, "+15551230007 in Family");
  assert.deepEqual(fake.textsTo(GROUP).length, 2);
  const other = "120363000000000002@g.us";
  fake.push({ from: "15551230007", group: other, text: "@bot hi", mentions: [fake.selfJid] });
  await eventually("group_not_allowed counted", async () => (await whatsappAccount(admin)).dropped["group_not_allowed"] === 1);
});

test("mention patterns (regex) count as a mention; quoted reply context reaches the agent", async (t) => {
  const { fake } = await startWhatsAppGateway(t, { groupPolicy: "open", mentionPatterns: ["\\bclawd\\b"] });
  fake.push({ from: "15551230008", group: GROUP, text: "hey Clawd, status?" });
  await fake.waitForSent("pattern reply", (s) => (s.content as { text?: string }).text === "echo: hey Clawd, status?");
  fake.push({ from: "15551230008", text: "and this?", replyTo: { id: "OLD1", participant: jidOf("15551239999"), text: "the original" } });
  await fake.waitForSent("quoted", (s) => (s.content as { text?: string }).text === 'echo: [Replying to +15551239999: "the original"]\nand this?');
});

test("media in: downloaded through the injected downloader into the state dir (0600); larger than mediaMaxMb is announced, not dropped", async (t) => {
  const { fake } = await startWhatsAppGateway(t, { mediaMaxMb: 1 });
  fake.push({ from: "15551230010", document: { bytes: Buffer.from("%PDF-1.4 fake"), fileName: "notes.pdf" } });
  const got = await fake.waitForSent("document", (s) => /^echo: \[document: (.*\.pdf)\]$/.test((s.content as { text?: string }).text ?? ""));
  const path = /\[document: (.*)\]/.exec((got.content as { text: string }).text)![1]!;
  assert.equal(await readFile(path, "utf8"), "%PDF-1.4 fake");
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  fake.push({ from: "15551230010", voice: { bytes: Buffer.from("OggS") } });
  await fake.waitForSent("voice", (s) => /^echo: \[voice: .*\.ogg\]$/.test((s.content as { text?: string }).text ?? ""));
  fake.push({ from: "15551230010", image: { bytes: Buffer.from("small"), caption: "big one", declaredSize: 5 * 1024 * 1024 } });
  await fake.waitForSent("too large", (s) => (s.content as { text?: string }).text === "echo: big one\n[photo (5.0 MB) not downloaded: 5 MB is over the 1 MB limit (mediaMaxMb)]");
});

test("video and sticker in: both downloaded and handed to the agent with their kind; a video's caption is its text", async (t) => {
  const { fake } = await startWhatsAppGateway(t);
  const clip = Buffer.from("\x00\x00\x00\x18ftypmp42 fake video");
  fake.push({ from: "15551230013", video: { bytes: clip, caption: "look at this" } });
  const video = await fake.waitForSent("video", (s) => /^echo: look at this\n\[video: .*\.mp4\]$/.test((s.content as { text?: string }).text ?? ""));
  const videoPath = /\[video: (.*)\]/.exec((video.content as { text: string }).text)![1]!;
  assert.deepEqual(await readFile(videoPath), clip);
  assert.equal((await stat(videoPath)).mode & 0o777, 0o600);
  const webp = Buffer.from("RIFF\x10\x00\x00\x00WEBPVP8 fake sticker");
  fake.push({ from: "15551230013", sticker: { bytes: webp } });
  const sticker = await fake.waitForSent("sticker", (s) => /^echo: \[sticker: .*\.webp\]$/.test((s.content as { text?: string }).text ?? ""));
  assert.deepEqual(await readFile(/\[sticker: (.*)\]/.exec((sticker.content as { text: string }).text)![1]!), webp);
});

test("self-chat mode: only your own chat reaches the agent, our replies are not answered again, no read receipts", async (t) => {
  const { fake, admin } = await startWhatsAppGateway(t, { selfChatMode: true, dmPolicy: "allowlist" });
  fake.push({ from: "15551230011", text: "someone else" });
  fake.push({ from: fake.self.pn, fromMe: true, to: fake.self.pn, text: "note to self" });
  const reply = await fake.waitForSent("self reply", (s) => s.jid === fake.selfJid);
  assert.equal((reply.content as { text: string }).text, "echo: note to self");
  // WhatsApp echoes our own reply back into the self chat, as sent from this account.
  fake.push({ from: fake.self.pn, fromMe: true, to: fake.self.pn, text: "echo: note to self", id: reply.id });
  await eventually("drops counted", async () => {
    const d = (await whatsappAccount(admin)).dropped;
    return d["not_allowed"] === 1 && d["own_message"] === 1;
  });
  assert.deepEqual(fake.textsTo(fake.selfJid), ["echo: note to self"]);
  assert.deepEqual(fake.textsTo(jidOf("15551230011")), []);
  assert.equal(fake.reads.length, 0);
  assert.deepEqual(await history(admin, "main"), ["user: note to self", "assistant: echo: note to self"]);
});

test("DM pairing: an unknown sender gets a code, `clawdbot pairing approve whatsapp <code>` lets them in", async (t) => {
  const { fake, gw, admin } = await startWhatsAppGateway(t, { dmPolicy: "pairing" });
  fake.push({ from: "15551230012", text: "hi, may I?", pushName: "Bo" });
  const notice = await fake.waitForSent("pairing code", (s) => s.jid === jidOf("15551230012"));
  const code = /pairing code: ([A-Z0-9]{8})/.exec((notice.content as { text: string }).text)?.[1];
  assert.ok(code, (notice.content as { text: string }).text);
  assert.match((notice.content as { text: string }).text, new RegExp(`clawdbot pairing approve whatsapp ${code}`));
  const r = await runCli(["pairing", "approve", "whatsapp", code, "--url", gw.url], gw.stateDir);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /approved whatsapp sender \+15551230012/);
  await fake.waitForSent("approved notice", (s) => (s.content as { text?: string }).text === "You are approved. Say hello!");
  fake.push({ from: "15551230012", text: "thanks" });
  await fake.waitForSent("answered", (s) => (s.content as { text?: string }).text === "echo: thanks");
  const pairs = await call<{ approved: { senderId: string }[] }>(admin, "channels.pairing.list", { channel: "whatsapp" });
  assert.deepEqual(pairs.approved.map((a) => a.senderId), ["+15551230012"]);
});

test("dmPolicy disabled answers no DM; groupPolicy disabled answers no group, mention or not; both are counted", async (t) => {
  const { fake, admin } = await startWhatsAppGateway(t, { dmPolicy: "disabled", groupPolicy: "disabled" });
  const group = "120363000000000099@g.us";
  fake.addGroup(group, "Closed", [jidOf("15551230020"), fake.selfJid]);
  fake.push({ from: "15551230020", text: "hello?" });
  fake.push({ from: "15551230020", group, text: "@bot hi", mentions: [fake.selfLid] });
  await eventually("both dropped", async () => {
    const d = (await whatsappAccount(admin)).dropped;
    return d["not_allowed"] === 1 && d["group_not_allowed"] === 1;
  });
  // Answered after both would have been: a self-chat note (the linked number is always allowed) gets through.
  fake.push({ from: fake.self.pn, fromMe: true, to: fake.self.pn, text: "note to self" });
  await fake.waitForSent("self note answered", (s) => (s.content as { text?: string }).text === "echo: note to self");
  assert.equal(fake.textsTo(jidOf("15551230020")).length, 0);
  assert.equal(fake.textsTo(group).length, 0);
});

// What the Discord channel sends: replies cut at 2,000 characters and 17 lines (code blocks closed
// and reopened), reply references per replyToMode, a typing indicator per channel while the agent
// works, the ack reaction, attachments both ways, and 429s honoured per route and globally.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { call, eventually, tempStateDir } from "./harness.js";
import { discordAccount, discordFakeFor, discordReply, referenced, startDiscordGateway } from "./discord-harness.js";

test("a long reply: at most 2,000 characters and 17 lines a message, nothing lost, code blocks closed and reopened", async (t) => {
  const fake = await discordFakeFor(t);
  const { admin } = await startDiscordGateway(t, fake, { dmPolicy: "open" });
  const ada = fake.world.user("ada");
  const dm = fake.world.dm(ada);
  const words = Array.from({ length: 700 }, (_, i) => `w${String(i).padStart(4, "0")}`).join(" ");
  fake.say({ author: ada.id, channel: dm.id, content: words });
  await eventually("three messages", () => fake.delivered(dm.id).length === 3);
  const parts = fake.delivered(dm.id);
  assert.ok(parts.every((p) => p.length <= 2000), parts.map((p) => p.length).join(", "));
  assert.equal(parts.join(" "), `echo: ${words}`);

  const code = ["```ts", ...Array.from({ length: 30 }, (_, i) => `const x${i} = ${i};`), "```"].join("\n");
  await call(admin, "send", { to: `discord:${dm.id}`, message: code, idempotencyKey: randomUUID() });
  const blocks = fake.delivered(dm.id).slice(3);
  assert.equal(blocks.length, 2);
  for (const b of blocks) {
    const lines = b.split("\n");
    assert.ok(lines.length <= 17, `${lines.length} lines`);
    assert.equal(lines[0], "```ts");
    assert.equal(lines.at(-1), "```");
  }
  const body = blocks.flatMap((b) => b.split("\n").slice(1, -1));
  assert.deepEqual(body, code.split("\n").slice(1, -1));
});

test("replyToMode: off sends plain messages, first references the message answered from the first part, all from every part", async (t) => {
  for (const mode of ["off", "first", "all"] as const) {
    const fake = await discordFakeFor(t);
    await startDiscordGateway(t, fake, { dmPolicy: "open", replyToMode: mode });
    const ada = fake.world.user("ada");
    const dm = fake.world.dm(ada);
    const asked = fake.say({ author: ada.id, channel: dm.id, content: "x".repeat(2500) });
    await eventually(`${mode}: two parts`, () => fake.delivered(dm.id).length === 2);
    const refs = fake.callsOf("POST /channels/:id/messages").filter((c) => c.outcome === "ok").map(referenced);
    assert.deepEqual(refs, { off: [undefined, undefined], first: [asked.id, undefined], all: [asked.id, asked.id] }[mode], mode);
    for (const c of fake.callsOf("POST /channels/:id/messages")) assert.deepEqual(c.params["allowed_mentions"], { parse: [], replied_user: false });
  }
});

test("typing while the agent works: POST /channels/:id/typing, one indicator for the channel however many messages wait, none after the answers", async (t) => {
  const fake = await discordFakeFor(t);
  const stateDir = await tempStateDir(t);
  const gate = join(stateDir, "go");
  const script = `let s="";process.stdin.on("data",d=>s+=d);process.stdin.on("end",()=>{const t=setInterval(()=>{if(require("fs").existsSync(${JSON.stringify(gate)})){clearInterval(t);process.stdout.write("done: "+s)}},20)})`;
  const ada = fake.world.user("ada");
  const bo = fake.world.user("bo");
  const home = fake.world.guild("home", [ada, bo]);
  const general = fake.world.textChannel(home, "general");
  const { admin } = await startDiscordGateway(t, fake, { guilds: { "*": { requireMention: false } } }, { agent: { backend: "command", command: { argv: [process.execPath, "-e", script] } } });
  fake.say({ author: ada.id, channel: general.id, content: "first question", mention: "plain" });
  fake.say({ author: bo.id, channel: general.id, content: "second question", mention: "plain" });
  // The router reacts to a message just before its run starts: two reactions, two runs waiting.
  await eventually("both taken up", () => fake.callsOf("PUT /channels/:id/messages/:id/reactions/:emoji/@me").length === 2);
  const typing = () => fake.callsOf("POST /channels/:id/typing").filter((c) => c.ids[0] === general.id);
  await eventually("typing shown", () => typing().length >= 1);
  // Both runs are held; one indicator refreshes every 4 s, so the calls fit the elapsed periods.
  await new Promise((r) => setTimeout(r, 300));
  const shown = typing();
  const periods = Math.floor((Date.now() - shown[0]!.at) / 4000) + 1;
  assert.ok(shown.length <= periods, `${shown.length} typing calls in ${periods} refresh period(s): more than one indicator`);
  await writeFile(gate, "");
  await discordReply(fake, general.id, "done: first question");
  await discordReply(fake, general.id, "done: second question");
  await eventually("outbox empty", async () => (await discordAccount(admin)).queued === 0);
  const lastReply = Math.max(...fake.callsOf("POST /channels/:id/messages").map((c) => c.at));
  await new Promise((r) => setTimeout(r, 4500));
  assert.deepEqual(typing().filter((c) => c.at > lastReply), [], "typing after the answers");
});

test("attachments: an inbound one is announced with name and size; send with media uploads the file (multipart) with the message", async (t) => {
  const fake = await discordFakeFor(t);
  const stateDir = await tempStateDir(t);
  const { admin } = await startDiscordGateway(t, fake, { dmPolicy: "open" }, { stateDir });
  const ada = fake.world.user("ada");
  const dm = fake.world.dm(ada);
  const asked = fake.say({ author: ada.id, channel: dm.id, content: "look", attachments: [{ filename: "photo.jpg", size: 2_400_000, contentType: "image/jpeg" }] });
  await discordReply(fake, dm.id, 'echo: look\n[photo "photo.jpg" (2.3 MB) not downloaded: attachments are not fetched from Discord]');
  assert.ok(fake.world.messages.get(asked.id)?.reactions?.some((r) => r.emoji.name === "👀" && r.me), "ack reaction");

  const path = join(stateDir, "notes.txt");
  await writeFile(path, "the notes");
  const sent = await call<{ status: string }>(admin, "send", { to: `discord:${dm.id}`, message: "the notes", mediaUrl: path, idempotencyKey: randomUUID() });
  assert.equal(sent.status, "sent");
  const withFile = fake.callsOf("POST /channels/:id/messages").find((c) => c.files.length > 0);
  assert.equal(withFile?.files[0]?.filename, "notes.txt");
  assert.equal(withFile?.files[0]?.bytes.toString(), "the notes");
  assert.deepEqual(fake.delivered(dm.id).slice(1), ["", "the notes"]);

  // An agent reply delivered with a threadId goes to that thread (a channel of its own on Discord).
  const home = fake.world.guild("home", [ada]);
  const topic = fake.world.thread(fake.world.textChannel(home, "general"), "topic", ada);
  await call(admin, "agent", { message: "route me", deliver: true, to: `discord:${dm.id}`, threadId: topic.id, idempotencyKey: randomUUID() }, 30_000);
  await discordReply(fake, topic.id, "echo: route me");

  // To a person by user id: the DM channel is opened first.
  const bo = fake.world.user("bo");
  await call(admin, "send", { to: `discord:user:${bo.id}`, message: "hello bo", idempotencyKey: randomUUID() });
  assert.equal(fake.callsOf("POST /users/@me/channels")[0]?.params["recipient_id"], bo.id);
  assert.deepEqual(fake.delivered(fake.world.dm(bo).id), ["hello bo"]);
});

test("429: the outbox waits retry_after for a route limit and for a global one; each message delivered once", async (t) => {
  const fake = await discordFakeFor(t);
  const { admin } = await startDiscordGateway(t, fake);
  const ada = fake.world.user("ada");
  const dm = fake.world.dm(ada);
  const route = "POST /channels/:id/messages";
  fake.fail(route, { kind: "ratelimited", retryAfter: 1.2 });
  assert.equal((await call<{ status: string }>(admin, "send", { to: `discord:${dm.id}`, message: "per route", idempotencyKey: randomUUID() })).status, "sent");
  let calls = fake.callsOf(route);
  assert.deepEqual(calls.map((c) => c.outcome), ["ratelimited", "ok"]);
  assert.ok(calls[1]!.at - calls[0]!.endedAt! >= 1200, `retried after ${calls[1]!.at - calls[0]!.endedAt!} ms`);

  fake.fail(route, { kind: "ratelimited", retryAfter: 1.5, global: true });
  assert.equal((await call<{ status: string }>(admin, "send", { to: `discord:${dm.id}`, message: "global", idempotencyKey: randomUUID() })).status, "sent");
  calls = fake.callsOf(route).slice(2);
  assert.deepEqual(calls.map((c) => c.outcome), ["ratelimited", "ok"]);
  assert.ok(calls[1]!.at - calls[0]!.endedAt! >= 1500, `retried after ${calls[1]!.at - calls[0]!.endedAt!} ms`);
  assert.deepEqual(fake.delivered(dm.id), ["per route", "global"]);
  assert.equal((await discordAccount(admin)).queued, 0);
});

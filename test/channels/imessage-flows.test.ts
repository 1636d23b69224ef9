// iMessage through the fake imsg: DMs by handle, pairing and allowlists, groups by chat_id gated by
// mentionPatterns, own messages, chunking, attachments in and out by path, reply context.
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runCli } from "./cli.js";
import { call, eventually, history, tempStateDir } from "./harness.js";
import { account } from "./signal-harness.js";
import { imessageSetup } from "./imessage-harness.js";

const CODE = /Your pairing code: ([A-Z0-9]{8})/;

test("a DM by phone handle is answered with send {to, service}; the program shows in channels.status", async (t) => {
  const { world, admin } = await imessageSetup(t, { service: "imessage" });
  const dm = world.dmChat("+15551230001");
  world.receive(dm, "+15551230001", "hello mac");
  await world.until("reply", () => world.sent.length === 1);
  assert.deepEqual(world.sent.map((s) => [s.to, s.chatId, s.text, s.service]), [["+15551230001", undefined, "echo: hello mac", "imessage"]]);
  const st = await account(admin, "imessage");
  assert.equal(st.program?.name, "imsg");
  assert.equal(st.program?.state, "running");
  assert.equal(st.program?.pid, world.current?.pid);
  assert.deepEqual(world.current?.args, ["rpc"]);
  const sub = world.requestsOf("watch.subscribe")[0]!;
  assert.deepEqual(sub.params, { attachments: true });
});

test("DM pairing for an email handle: code, CLI approval, then answers; allowlist drops strangers", async (t) => {
  const { world, gw, admin } = await imessageSetup(t, { dmPolicy: "pairing" });
  const dm = world.dmChat("Ada@Example.com");
  world.receive(dm, "Ada@Example.com", "hi");
  await world.until("pairing code", () => world.sent.length === 1);
  const code = CODE.exec(world.sent[0]!.text)![1]!;
  assert.equal(world.sent[0]!.to, "ada@example.com");
  const approve = await runCli(["pairing", "approve", "imessage", code, "--url", gw.url], gw.stateDir);
  assert.equal(approve.code, 0, approve.stderr);
  assert.match(approve.stdout, /approved imessage sender ada@example\.com/);
  await world.until("approval notice", () => world.sent.length === 2);
  world.receive(dm, "Ada@Example.com", "now?");
  await world.until("answer", () => world.sent.some((s) => s.text === "echo: now?"));
  assert.deepEqual((await history(admin, "agent:main:imessage:dm:ada@example.com")).filter((l) => l.startsWith("user:")), ["user: now?"]);
});

test("allowlist: a listed handle is answered, another is dropped and counted", async (t) => {
  const { world, admin } = await imessageSetup(t, { dmPolicy: "allowlist", allowFrom: ["+1 (555) 123-0002"] });
  world.receive(world.dmChat("+15551230003"), "+15551230003", "let me in");
  world.receive(world.dmChat("+15551230002"), "+15551230002", "listed");
  await world.until("answer", () => world.sent.length === 1);
  assert.equal(world.sent[0]!.to, "+15551230002");
  await eventually("drop counted", async () => (await account(admin, "imessage")).dropped["not_allowed"] === 1);
});

test("groups by chat_id: answered only when a mention pattern matches (or requireMention is off); unlisted groups and own messages dropped", async (t) => {
  const { world, admin } = await imessageSetup(t, {
    groupPolicy: "allowlist",
    groups: { "1": {}, "2": { requireMention: false } },
    mentionPatterns: ["\\bclawd\\b", "^@bot"],
  });
  const climbing = world.groupChat("Climbing", ["+15551230004", "bo@example.com"]);
  const quiet = world.groupChat("Quiet", ["+15551230004"]);
  const other = world.groupChat("Other", ["+15551230004"]);
  assert.deepEqual([climbing.id, quiet.id, other.id], [1, 2, 3]);
  world.receive(climbing, "+15551230004", "no mention");
  world.receive(climbing, "+15551230004", "hey Clawd, the weather?");
  world.receive(climbing, "+15551230004", "from me", { isFromMe: true });
  world.receive(quiet, "+15551230004", "no mention needed");
  world.receive(other, "+15551230004", "clawd? anyone?");
  await world.until("two group answers", () => world.sent.length === 2);
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(world.sent.map((s) => [s.chatId, s.to, s.text]).sort(), [
    [1, undefined, "echo: hey Clawd, the weather?"],
    [2, undefined, "echo: no mention needed"],
  ]);
  const st = await account(admin, "imessage");
  assert.equal(st.dropped["no_mention"], 1);
  assert.equal(st.dropped["group_not_allowed"], 1);
  assert.equal(st.dropped["own_message"], 1);
  assert.deepEqual((await history(admin, "agent:main:imessage:group:chat:1")).filter((l) => l.startsWith("user:")), ["user: hey Clawd, the weather?"]);
});

test("a 10,000-character reply is sent in 3 parts of at most 4,000 characters", async (t) => {
  const { world } = await imessageSetup(t);
  const long = Array.from({ length: 1500 }, (_, i) => `m${String(i).padStart(4, "0")}q`).join(" ").slice(0, 10_000);
  world.receive(world.dmChat("+15551230005"), "+15551230005", long);
  await world.until("three parts", () => world.sent.length === 3, 30_000);
  const parts = world.sent.map((s) => s.text);
  assert.ok(parts.every((p) => p.length <= 4000));
  const words = parts.join(" ").split(/\s+/);
  const expected = `echo: ${long}`.split(/\s+/);
  assert.ok(words.length === expected.length && words.every((w, i) => w === expected[i]), "the parts joined are the reply");
});

test("attachments in by path (within mediaMaxMb), missing or too big ones announced; attachments out as send {file}", async (t) => {
  const dir = await tempStateDir(t);
  const photo = join(dir, "IMG_0001.heic");
  const big = join(dir, "movie.mov");
  await writeFile(photo, "fake heic bytes");
  await writeFile(big, Buffer.alloc(50_000));
  const { world, admin } = await imessageSetup(t, { mediaMaxMb: 0.01 });
  const dm = world.dmChat("+15551230006");
  world.receive(dm, "+15551230006", "see these", {
    attachments: [
      { filename: photo, transfer_name: "IMG_0001.heic", mime_type: "image/heic", total_bytes: 15, missing: false },
      { filename: big, transfer_name: "movie.mov", mime_type: "video/quicktime", total_bytes: 50_000, missing: false },
      { filename: join(dir, "gone.pdf"), transfer_name: "gone.pdf", mime_type: "application/pdf", total_bytes: 10, missing: true },
    ],
  });
  await world.until("answer", () => world.sent.length === 1);
  const text = world.sent[0]!.text;
  assert.match(text, new RegExp(`\\[photo: ${photo.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}\\]`));
  assert.match(text, /\[video "movie\.mov" \(48\.8 KB\) not downloaded: larger than 0 MB \(mediaMaxMb\)\]/);
  assert.match(text, /\[document "gone\.pdf" \(10 B\) not downloaded: not downloaded to the Mac \(missing\)\]/);

  const out = join(dir, "chart.png");
  await writeFile(out, "png bytes");
  const res = await call<{ status: string }>(admin, "send", { to: "imessage:chat:1", message: "here", mediaUrl: out, idempotencyKey: "im-att-1" });
  assert.equal(res.status, "sent");
  assert.deepEqual(world.sent.slice(1).map((s) => [s.chatId, s.text, s.file, s.fileBytes?.toString()]), [
    [1, "", out, "png bytes"],
    [1, "here", undefined, undefined],
  ]);
});

test("a reply carries its quoted context to the agent", async (t) => {
  const { world } = await imessageSetup(t);
  const dm = world.dmChat("+15551230007");
  const first = world.receive(dm, "+15551230007", "the original");
  await world.until("first answer", () => world.sent.length === 1);
  world.receive(dm, "+15551230007", "what about it", { replyTo: first });
  await world.until("second answer", () => world.sent.length === 2);
  assert.equal(world.sent[1]!.text, 'echo: [Replying to +15551230007: "the original"]\nwhat about it');
});

test("a watch error notification shows in status; the next message clears it", async (t) => {
  const { world, admin } = await imessageSetup(t);
  world.watchError("disk I/O error");
  await eventually("error in status", async () => (await account(admin, "imessage")).lastError === "imsg: disk I/O error");
  world.receive(world.dmChat("+15551230008"), "+15551230008", "still fine");
  await world.until("answer", () => world.sent.length === 1);
  await eventually("cleared", async () => (await account(admin, "imessage")).lastError === null);
});

test("an imsg without is_group: a group is known by its chat_guid; an attachment is taken from original_path", async (t) => {
  const dir = await tempStateDir(t);
  const photo = join(dir, "IMG_0002.jpeg");
  await writeFile(photo, "jpeg bytes");
  const { world } = await imessageSetup(t, { groupPolicy: "open", groups: { "*": { requireMention: false } } });
  world.omitIsGroup = true;
  const group = world.groupChat("Family", ["+15551230009", "+15551230010"]);
  const dm = world.dmChat("+15551230009");
  world.receive(group, "+15551230009", "to the family");
  world.receive(dm, "+15551230009", "just you", {
    attachments: [{ filename: "~/Library/Messages/Attachments/00/00/nowhere/IMG_0002.jpeg", original_path: photo, transfer_name: "IMG_0002.jpeg", mime_type: "image/jpeg", total_bytes: 10, missing: false }],
  });
  await world.until("two answers", () => world.sent.length === 2);
  const byChat = Object.fromEntries(world.sent.map((s) => [s.chatId !== undefined ? `chat:${s.chatId}` : s.to!, s.text]));
  assert.deepEqual(Object.keys(byChat).sort(), ["+15551230009", `chat:${group.id}`]);
  assert.equal(byChat[`chat:${group.id}`], "echo: to the family");
  assert.match(byChat["+15551230009"]!, new RegExp(`^echo: just you\\n?.*\\[photo: ${photo.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}\\]`, "s"));
});

// WhatsApp outbound through the durable outbox: chunking at 4,000 characters, media with
// captions, audio as voice notes, ack reactions, polls (and a clear error on channels without).
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { call } from "./harness.js";
import { jidOf, startWhatsAppGateway } from "./whatsapp-harness.js";

test("a 10,000-character reply goes out in 3 chunks of at most 4,000 characters, in order", async (t) => {
  const { fake, admin } = await startWhatsAppGateway(t);
  const words = Array.from({ length: 2000 }, (_, i) => `w${String(i).padStart(3, "0")}`).join(" ");
  const text = words.slice(0, 10_000);
  const res = await call<{ status: string; providerMessageIds?: string[] }>(admin, "send", { to: "whatsapp:+15552220001", message: text, idempotencyKey: "long-1" });
  assert.equal(res.status, "sent");
  const parts = fake.textsTo(jidOf("15552220001"));
  assert.equal(parts.length, 3);
  assert.ok(parts.every((p) => p.length <= 4000));
  assert.equal(parts.join(" ").replace(/\s+/g, " "), text.replace(/\s+/g, " "));
  assert.equal(res.providerMessageIds?.length, 3);
});

test("media out: an image, a video and a document with captions, audio as a voice note", async (t) => {
  const { fake, admin, stateDir } = await startWhatsAppGateway(t);
  const img = join(stateDir, "pic.jpg");
  const ogg = join(stateDir, "note.ogg");
  const pdf = join(stateDir, "report.pdf");
  await Promise.all([writeFile(img, "jpg"), writeFile(ogg, "OggS"), writeFile(pdf, "%PDF")]);
  await call(admin, "send", { to: "whatsapp:+15552220002", message: "look", mediaUrl: img, idempotencyKey: "m-img" });
  const image = await fake.waitForSent("image", (s) => "image" in s.content);
  assert.deepEqual((image.content as { image: { url: string }; caption?: string }).image, { url: img });
  assert.equal((image.content as { caption?: string }).caption, "look");
  await call(admin, "send", { to: "whatsapp:+15552220002", message: "", mediaUrl: pdf, idempotencyKey: "m-pdf" });
  const doc = await fake.waitForSent("document", (s) => "document" in s.content);
  assert.equal((doc.content as { fileName: string }).fileName, "report.pdf");
  await call(admin, "send", { to: "whatsapp:+15552220002", message: "", mediaUrl: ogg, idempotencyKey: "m-ogg" });
  const voice = await fake.waitForSent("voice note", (s) => "audio" in s.content);
  assert.equal((voice.content as { ptt?: boolean }).ptt, true);
  const mp4 = join(stateDir, "clip.mp4");
  await writeFile(mp4, "\x00\x00\x00\x18ftypmp42");
  await call(admin, "send", { to: "whatsapp:+15552220002", message: "watch", mediaUrl: mp4, idempotencyKey: "m-mp4" });
  const video = await fake.waitForSent("video", (s) => "video" in s.content);
  assert.deepEqual((video.content as { video: { url: string } }).video, { url: mp4 });
  assert.equal((video.content as { caption?: string }).caption, "watch");
  assert.equal((video.content as { gifPlayback?: boolean }).gifPlayback, undefined, "a plain video, not a looping one");
});

test("ack reaction on receipt: direct messages and group mentions get it, unmentioned group messages do not", async (t) => {
  const GROUP = "120363000000000009@g.us";
  const { fake } = await startWhatsAppGateway(t, { ackReaction: { emoji: "👀", direct: true, group: "mentions" }, groupPolicy: "open", groups: { "*": { requireMention: false } } });
  const dm = fake.push({ from: "15552220003", text: "react please" });
  const reaction = await fake.waitForSent("reaction", (s) => "react" in s.content);
  assert.deepEqual((reaction.content as { react: { text: string; key: { id: string } } }).react.text, "👀");
  assert.equal((reaction.content as { react: { key: { id: string } } }).react.key.id, dm.key.id);
  fake.push({ from: "15552220004", group: GROUP, text: "no mention here" });
  await fake.waitForSent("group answer", (s) => (s.content as { text?: string }).text === "echo: no mention here");
  assert.equal(fake.sent.filter((s) => "react" in s.content).length, 1);
});

test("poll: WhatsApp sends it through Baileys; a channel without polls answers a clear error", async (t) => {
  const { fake, admin } = await startWhatsAppGateway(t);
  const res = await call<{ runId: string; messageId: string; channel: string }>(admin, "poll", {
    to: "whatsapp:+15552220005",
    question: "Lunch?",
    options: ["Pizza", "Sushi", "Salad"],
    maxSelections: 2,
    idempotencyKey: "poll-1",
  });
  assert.equal(res.channel, "whatsapp");
  assert.equal(res.runId, "poll-1");
  const sent = await fake.waitForSent("poll", (s) => "poll" in s.content);
  assert.deepEqual((sent.content as { poll: unknown }).poll, { name: "Lunch?", values: ["Pizza", "Sushi", "Salad"], selectableCount: 2 });
  assert.equal(sent.id, res.messageId);
  const tooMany = await admin.request("poll", { to: "whatsapp:+15552220005", question: "?", options: ["a", "b"], maxSelections: 3, idempotencyKey: "poll-2" });
  assert.equal(tooMany.ok, false);
});

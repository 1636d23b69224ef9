// Where Slack replies go and how they are cut: a message in a thread is answered in that thread,
// every part of it (replies escaping their thread are a known failure of other gateways);
// replyToMode decides for top-level messages; long replies are split at 4,000 characters counted
// after mrkdwn escaping; files are announced and uploaded; 429 Retry-After is honoured.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { call, eventually, history, tempStateDir } from "./harness.js";
import { slackAccount, slackFakeFor, slackReply, startSlackGateway } from "./slack-harness.js";

/** Text the echo agent turns into a reply of about `n` characters, in words. */
function longText(n: number, tag: string): string {
  return Array.from({ length: Math.ceil(n / 7) }, (_, i) => `${tag}${String(i).padStart(5, "0")}`).join(" ");
}

/** Undoes mrkdwn escaping (what a Slack client shows). */
const shown = (s: string) => s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");

test("in a thread: the long answer stays in the thread, every part; later replies in the bot's thread need no mention", async (t) => {
  const fake = await slackFakeFor(t);
  const ada = fake.world.addPerson("ada");
  const general = fake.world.addChannel("general");
  const { admin } = await startSlackGateway(t, fake, { replyToMode: "off" });
  const root = fake.say({ user: ada.id, channel: general.id, text: "a topic" });
  const question = longText(9000, "t");
  fake.say({ user: ada.id, channel: general.id, threadTs: root.ts, text: question, mention: true });
  await eventually("three parts", () => fake.delivered(general.id).length === 3, 15_000);
  const parts = fake.callsOf("chat.postMessage").filter((c) => c.outcome === "ok");
  assert.deepEqual(parts.map((c) => c.params["thread_ts"]), [root.ts, root.ts, root.ts]);
  assert.ok(parts.every((c) => String(c.params["text"]).length <= 4000));
  assert.equal(parts.map((c) => String(c.params["text"])).join(" "), `echo: @clawd ${question}`);

  // The bot is in this thread now: no mention needed there, and it is the same conversation.
  fake.say({ user: ada.id, channel: general.id, threadTs: root.ts, text: "and another thing" });
  const followUp = await slackReply(fake, general.id, "echo: and another thing");
  assert.equal(followUp.params["thread_ts"], root.ts);
  const session = `agent:main:slack:group:${general.id}:${root.ts}`;
  assert.equal((await history(admin, session)).length, 4);
  // Outside the thread a mention is still needed.
  fake.say({ user: ada.id, channel: general.id, text: "and in the channel" });
  await eventually("no mention counted", async () => (await slackAccount(admin)).dropped["no_mention"] === 2);
});

test("replyToMode: off answers top-level in the channel; first threads the first part only; all keeps the whole conversation in the message's thread", async (t) => {
  for (const mode of ["off", "first", "all"] as const) {
    const fake = await slackFakeFor(t);
    const ada = fake.world.addPerson("ada");
    const general = fake.world.addChannel("general");
    const { admin } = await startSlackGateway(t, fake, { replyToMode: mode, dmPolicy: "open" });
    const asked = fake.say({ user: ada.id, channel: general.id, text: longText(5000, mode), mention: true });
    await eventually(`${mode}: two parts`, () => fake.delivered(general.id).length === 2, 15_000);
    const threads = fake.callsOf("chat.postMessage").filter((c) => c.outcome === "ok").map((c) => c.params["thread_ts"]);
    const expected = { off: [undefined, undefined], first: [asked.ts, undefined], all: [asked.ts, asked.ts] }[mode];
    assert.deepEqual(threads, expected, mode);
    if (mode === "all") {
      fake.say({ user: ada.id, channel: general.id, threadTs: asked.ts, text: "more" });
      const more = await slackReply(fake, general.id, "echo: more");
      assert.equal(more.params["thread_ts"], asked.ts);
      assert.equal((await history(admin, `agent:main:slack:group:${general.id}:${asked.ts}`)).length, 4, "one session for the thread");
    }
  }
});

test("agent text is mrkdwn-escaped: no @channel ping, no forged mention or link; the cut never splits an entity", async (t) => {
  const fake = await slackFakeFor(t);
  const ada = fake.world.addPerson("ada");
  const dm = fake.world.dmWith(ada.id);
  const { admin } = await startSlackGateway(t, fake, { dmPolicy: "open" });
  const risky = `<!channel> <@${ada.id}> <https://evil.example|click> a&b`;
  fake.say({ user: ada.id, channel: dm.id, text: risky });
  const reply = await slackReply(fake, dm.id, /^echo:/);
  assert.equal(reply.params["text"], `echo: &lt;!channel&gt; &lt;@${ada.id}&gt; &lt;https://evil.example|click&gt; a&amp;b`);

  const dense = "&<>".repeat(3000);
  await call(admin, "send", { to: `slack:${dm.id}`, message: dense, idempotencyKey: randomUUID() });
  const parts = fake.delivered(dm.id).slice(1);
  assert.ok(parts.length >= 7, `${parts.length} parts`);
  for (const p of parts) {
    assert.ok(p.length <= 4000, `part of ${p.length} characters`);
    assert.doesNotMatch(p, /[<>]|&(?!amp;|lt;|gt;)/, "a bare or cut entity");
  }
  assert.equal(parts.map(shown).join(""), dense);
});

test("files: an inbound file is announced to the agent with its name and size; send with media uploads through files.uploadV2 into the thread", async (t) => {
  const fake = await slackFakeFor(t);
  const ada = fake.world.addPerson("ada");
  const dm = fake.world.dmWith(ada.id);
  const stateDir = await tempStateDir(t);
  const { admin } = await startSlackGateway(t, fake, { dmPolicy: "open" }, { stateDir });
  fake.say({ user: ada.id, channel: dm.id, text: "see attached", files: [{ name: "report.pdf", size: 12_600, mimetype: "application/pdf" }] });
  const reply = await slackReply(fake, dm.id, /^echo: see attached/);
  assert.equal(reply.params["text"], 'echo: see attached\n[document "report.pdf" (12.3 KB) not downloaded: files are not fetched from Slack]');

  const general = fake.world.addChannel("general");
  const root = fake.say({ user: ada.id, channel: general.id, text: "thread root" });
  const path = join(stateDir, "chart.png");
  await writeFile(path, Buffer.from("png bytes"));
  const sent = await call<{ status: string }>(admin, "send", { to: `slack:${general.id}:${root.ts}`, message: "the chart", mediaUrl: path, idempotencyKey: randomUUID() });
  assert.equal(sent.status, "sent");
  const upload = fake.callsOf("files.completeUploadExternal")[0];
  assert.equal(upload?.params["channel_id"], general.id);
  assert.equal(upload?.params["thread_ts"], root.ts);
  const file = [...fake.world.files.values()].find((f) => f.name === "chart.png");
  assert.equal(file?.bytes?.toString(), "png bytes");
  // The file first, then the text, both in the thread.
  assert.deepEqual(fake.world.messages.filter((m) => m.threadTs === root.ts).map((m) => [m.files.length, m.text]), [[1, ""], [0, "the chart"]]);

  // An agent reply delivered with a threadId (the reference clients' routing) lands in that thread.
  await call(admin, "agent", { message: "route me", deliver: true, to: `slack:${general.id}`, threadId: root.ts, idempotencyKey: randomUUID() }, 30_000);
  const routed = await slackReply(fake, general.id, "echo: route me");
  assert.equal(routed.params["thread_ts"], root.ts);

  // To a person by user id: conversations.open finds the DM first.
  const bo = fake.world.addPerson("bo");
  await call(admin, "send", { to: `slack:${bo.id}`, message: "hello bo", idempotencyKey: randomUUID() });
  assert.deepEqual(fake.delivered(fake.world.dmWith(bo.id).id), ["hello bo"]);
});

test("429 with Retry-After: the outbox waits that long before the retry and delivers once", async (t) => {
  const fake = await slackFakeFor(t);
  const general = fake.world.addChannel("general");
  const { admin } = await startSlackGateway(t, fake);
  fake.fail("chat.postMessage", { kind: "ratelimited", retryAfter: 1 });
  const res = await call<{ status: string }>(admin, "send", { to: `slack:${general.id}`, message: "slow down", idempotencyKey: randomUUID() });
  assert.equal(res.status, "sent");
  const calls = fake.callsOf("chat.postMessage");
  assert.deepEqual(calls.map((c) => c.outcome), ["ratelimited", "ok"]);
  // Honouring Retry-After is a correctness property: the retry may not come earlier.
  const waited = calls[1]!.at - calls[0]!.endedAt!;
  assert.ok(waited >= 1000, `retried ${waited} ms after the 429`);
  assert.deepEqual(fake.delivered(general.id), ["slow down"]);
  assert.equal((await slackAccount(admin)).queued, 0);
});

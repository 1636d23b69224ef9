// `agent` with the parameters the reference CLI and apps send; each must do what its name says.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { FakeOpenAI, type Exchange } from "../fakes/openai/server.js";
import { openaiConfig } from "../agent/wire.js";
import { fakeFor, telegramConfig } from "../channels/harness.js";
import { tempDir } from "../cli/run-cli.js";
import { eventually } from "../support/wait.js";
import { agentFinal, compatGateway } from "./support.js";

const key = () => randomUUID();
const PNG = Buffer.from("89504e470d0a1a0a", "hex").toString("base64");

async function transcript(op: Awaited<ReturnType<typeof compatGateway>>["op"], sessionKey: string): Promise<Record<string, unknown>[]> {
  return (await op.client.call("chat.history", { sessionKey })).messages as Record<string, unknown>[];
}

test("sessionId picks the session: the same id continues one transcript, another id is another session, main is untouched", async (t) => {
  const { op } = await compatGateway(t);
  const first = await agentFinal(op, { message: "one", sessionId: "5b0c1d2e-aaaa-4bbb-8ccc-123456789abc", idempotencyKey: key() });
  assert.equal(first["sessionKey"], "agent:main:session:5b0c1d2e-aaaa-4bbb-8ccc-123456789abc");
  await agentFinal(op, { message: "two", sessionId: "5b0c1d2e-aaaa-4bbb-8ccc-123456789abc", idempotencyKey: key() });
  await agentFinal(op, { message: "elsewhere", sessionId: "other", idempotencyKey: key() });
  const texts = (await transcript(op, "agent:main:session:5b0c1d2e-aaaa-4bbb-8ccc-123456789abc")).map((m) => (m["content"] as { text: string }[])[0]!.text);
  assert.deepEqual(texts, ["one", "echo: one", "two", "echo: two"]);
  assert.equal((await transcript(op, "main")).length, 0);
  const bad = await op.client.call("agent", { message: "x", sessionId: "../../etc", idempotencyKey: key() }).catch((e: { code: string }) => e);
  assert.equal((bad as { code: string }).code, "INVALID_REQUEST");
});

test("result.payloads carries the reply parts beside result.text", async (t) => {
  const { op } = await compatGateway(t);
  const res = await agentFinal(op, { message: "hello", idempotencyKey: key() });
  assert.equal(res["status"], "ok");
  const result = res["result"] as { text: string; payloads: { text?: string }[] };
  assert.equal(result.text, "echo: hello");
  assert.deepEqual(result.payloads, [{ text: "echo: hello" }]);
});

test("replyTo, replyChannel, replyAccountId and threadId route the delivered reply (over to/channel)", async (t) => {
  const fake = await fakeFor(t);
  fake.world.addChat({ id: 4242, type: "supergroup", title: "Forum" } as never);
  fake.world.addChat({ id: 77, type: "private", first_name: "Other" } as never);
  const { op } = await compatGateway(t, { file: telegramConfig(fake) });
  await eventually("telegram running", async () => {
    const st = await op.client.call("channels.status", {});
    return st.channelAccounts["telegram"]?.[0]?.running === true;
  });
  const accountId = (await op.client.call("channels.status", {})).channelDefaultAccountId["telegram"]!;
  const res = await agentFinal(op, {
    message: "route me",
    deliver: true,
    to: "77",
    channel: "telegram",
    replyTo: "4242",
    replyChannel: "telegram",
    replyAccountId: accountId,
    threadId: "9",
    idempotencyKey: key(),
  });
  assert.equal(res["status"], "ok");
  const sent = await fake.waitForCall((c) => c.method === "sendMessage" && c.outcome === "ok", 20_000, "the delivered reply");
  assert.equal(String(sent.params["chat_id"]), "4242", "replyTo wins over to");
  assert.equal(sent.params["message_thread_id"], 9);
  assert.equal(sent.params["text"], "echo: route me");
  const unknownAccount = await op.client
    .call("agent", { message: "x", deliver: true, replyTo: "4242", replyChannel: "telegram", replyAccountId: "nobody", idempotencyKey: key() })
    .catch((e: { code: string }) => e);
  assert.equal((unknownAccount as { code: string }).code, "NOT_FOUND");
});

test("groupId/groupChannel pick the group's session; groupSpace, spawnedBy and lane are recorded on the run", async (t) => {
  const { op } = await compatGateway(t);
  const res = await agentFinal(op, {
    message: "in the group",
    groupId: "-100123",
    groupChannel: "telegram",
    groupSpace: "workspace-1",
    spawnedBy: "agent:main:main",
    lane: "cron",
    idempotencyKey: key(),
  });
  assert.equal(res["sessionKey"], "agent:main:telegram:group:-100123");
  const [user] = await transcript(op, "agent:main:telegram:group:-100123");
  assert.equal(user!["groupSpace"], "workspace-1");
  assert.equal(user!["spawnedBy"], "agent:main:main");
  const start = op.events.find((e) => e.event === "agent" && (e.payload as { runId: string; data: { phase?: string } }).runId === res["runId"] && (e.payload as { data: { phase?: string } }).data.phase === "start");
  assert.deepEqual((start?.payload as { data: Record<string, unknown> }).data["lane"], "cron");
});

test("a run in another lane does not wait behind a busy run of the same session", async (t) => {
  const fake = await FakeOpenAI.start();
  t.after(() => fake.stop());
  const held: Exchange[] = [];
  fake.behaviour = (ex) => void held.push(ex);
  const { op } = await compatGateway(t, { file: openaiConfig(fake.baseUrl), env: { MY_KEY: "sk-test" } });
  const main = agentFinal(op, { message: "slow", sessionKey: "s", idempotencyKey: key() });
  await eventually("the first run at the model", () => held.length === 1);
  const queued = agentFinal(op, { message: "queued", sessionKey: "s", idempotencyKey: key() });
  const other = agentFinal(op, { message: "side", sessionKey: "s", lane: "cron", idempotencyKey: key() });
  await eventually("the other lane's run at the model while the first is held", () => held.length === 2);
  assert.equal(held[1]!.transcript.at(-1), "user:side", "the main-lane run still waits its turn");
  fake.behaviour = (ex) => ex.stream(["ok"]);
  for (const ex of held) await ex.stream(["ok"]);
  const results = await Promise.all([main, queued, other]);
  assert.deepEqual(results.map((r) => r["status"]), ["ok", "ok", "ok"]);
});

test("timeout has no upper bound on the wire and is clamped to agent.maxTimeoutMs", async (t) => {
  const dir = await tempDir(t);
  const script = join(dir, "slow-agent");
  await writeFile(script, "#!/bin/sh\nexec sleep 600\n", { mode: 0o755 });
  const { op } = await compatGateway(t, { file: { agent: { backend: "command", command: { argv: [script], timeoutMs: 3_600_000 }, timeoutMs: 1000, maxTimeoutMs: 1500 } } });
  const res = await agentFinal(op, { message: "take your time", timeout: 7200, idempotencyKey: key() });
  assert.equal(res["status"], "timeout", "clamped to 1.5 s instead of two hours");
});

test("attachments reach the agent (as in chat.send)", async (t) => {
  const { op } = await compatGateway(t);
  const res = await agentFinal(op, {
    message: "what is this?",
    attachments: [{ type: "image", mimeType: "image/png", fileName: "dot.png", content: PNG }],
    idempotencyKey: key(),
  });
  assert.equal((res["result"] as { text: string }).text, "echo: what is this? [image/png: dot.png]");
  const bad = await op.client.call("agent", { message: "x", attachments: [{ content: "%%%" }], idempotencyKey: key() }).catch((e: { code: string }) => e);
  assert.equal((bad as { code: string }).code, "INVALID_REQUEST");
});

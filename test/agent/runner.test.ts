// Runner semantics through the WebSocket: one run at a time per session (later ones queue in
// order), sessions independent, transcripts persisted as JSON lines that survive a restart and a
// torn last line, and session keys that could name other files refused.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { appendFile, mkdtemp, readFile, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FakeOpenAI, manual } from "../fakes/openai/server.js";
import { startGateway } from "../support/gateway.js";
import {
  agentEvents,
  assertEventsValid,
  chatEnd,
  chatEvents,
  chatHistory,
  chatSend,
  gatewayFor,
  messageText,
  okResult,
  openaiConfig,
  uiClient,
} from "./wire.js";

async function stateDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "clawdbot-agent-state-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function fakeModel(t: TestContext): Promise<FakeOpenAI> {
  const fake = await FakeOpenAI.start("sk-test");
  t.after(() => fake.stop());
  fake.behaviour = (ex) => ex.stream([`re:${ex.body.messages.at(-1)?.content ?? "?"}`]);
  return fake;
}

test("a second chat.send to a busy session is queued and runs after the first, in order", async (t) => {
  const gw = await gatewayFor(t);
  const c = await uiClient(t, gw);
  // Both requests leave in the same tick; the first run (three paced deltas) is still going.
  const [a, b] = await Promise.all([
    c.request("chat.send", { sessionKey: "q", message: "first", idempotencyKey: "q-1" }),
    c.request("chat.send", { sessionKey: "q", message: "second", idempotencyKey: "q-2" }),
  ]);
  const one = okResult<{ runId: string; status: string }>("chat.send", a);
  const two = okResult<{ runId: string; status: string }>("chat.send", b);
  assert.equal(one.status, "started");
  assert.equal(two.status, "queued");

  assert.equal((await chatEnd(c, two.runId)).state, "final");
  const firstFinal = chatEvents(c, one.runId).find((f) => f.payload.state === "final");
  const secondStart = agentEvents(c, two.runId).find((f) => f.payload.stream === "lifecycle" && f.payload.data["phase"] === "start");
  assert.ok(firstFinal && secondStart);
  assert.ok(c.frames.indexOf(firstFinal) < c.frames.indexOf(secondStart), "the second run started before the first finished");
  assert.equal(messageText(firstFinal.payload.message), "echo: first");
  assert.deepEqual(await chatHistory(c, "q"), [
    { role: "user", text: "first" },
    { role: "assistant", text: "echo: first", runId: one.runId },
    { role: "user", text: "second" },
    { role: "assistant", text: "echo: second", runId: two.runId },
  ]);
  assertEventsValid(c);
});

test("runs of different sessions are not queued behind each other", async (t) => {
  const fake = await fakeModel(t);
  fake.behaviour = manual;
  const gw = await gatewayFor(t, { file: openaiConfig(fake.baseUrl), env: { MY_KEY: "sk-test" } });
  const c = await uiClient(t, gw);
  const a = await chatSend(c, "left", "a");
  const b = await chatSend(c, "right", "b");
  assert.equal(a.status, "started");
  assert.equal(b.status, "started");
  // Both reach the model while neither has finished.
  const exA = await fake.exchangeFor("a");
  const exB = await fake.exchangeFor("b");
  assert.deepEqual([exA.transcript, exB.transcript], [["user:a"], ["user:b"]]);
  assert.equal(exA.disconnected, false);
  exB.delta("B");
  exB.done();
  assert.equal((await chatEnd(c, b.runId)).state, "final");
  exA.delta("A");
  exA.done();
  assert.equal((await chatEnd(c, a.runId)).state, "final");
});

test("chat.history survives a gateway restart, and the next turn still sends the earlier ones", async (t) => {
  const dir = await stateDir(t);
  const fake = await fakeModel(t);
  const opts = { file: openaiConfig(fake.baseUrl), env: { MY_KEY: "sk-test" }, stateDir: dir };

  const first = await startGateway(opts);
  const c1 = await uiClient(t, first);
  const turn1 = await chatSend(c1, "agent:main:dm", "remember me");
  assert.equal((await chatEnd(c1, turn1.runId)).state, "final");
  c1.close();
  await first.stop();

  const file = join(dir, "sessions", "agent~main~dm.jsonl");
  assert.equal((await stat(file)).mode & 0o777, 0o600, "transcripts are private to the user");
  // The session header, then the two messages.
  const lines = (await readFile(file, "utf8")).trim().split("\n").map((l) => JSON.parse(l) as { type?: string; role?: string });
  assert.deepEqual(lines.map((l) => l.type ?? l.role), ["session", "user", "assistant"]);

  const second = await gatewayFor(t, opts);
  const c2 = await uiClient(t, second);
  assert.deepEqual(await chatHistory(c2, "agent:main:dm"), [
    { role: "user", text: "remember me" },
    { role: "assistant", text: "re:remember me", runId: turn1.runId },
  ]);
  const turn2 = await chatSend(c2, "agent:main:dm", "still there?");
  assert.equal((await chatEnd(c2, turn2.runId)).state, "final");
  assert.deepEqual(fake.exchanges[1]?.transcript, ["user:remember me", "assistant:re:remember me", "user:still there?"]);
});

test("chat.history limit returns the most recent messages, oldest first", async (t) => {
  const gw = await gatewayFor(t);
  const c = await uiClient(t, gw);
  for (const m of ["a", "b"]) {
    const { runId } = await chatSend(c, "lim", m);
    await chatEnd(c, runId);
  }
  const res = okResult<{ messages: { content: { text: string }[] }[] }>("chat.history", await c.request("chat.history", { sessionKey: "lim", limit: 3 }));
  assert.deepEqual(
    res.messages.map((m) => m.content[0]?.text),
    ["echo: a", "b", "echo: b"],
  );
  const empty = okResult<{ messages: unknown[] }>("chat.history", await c.request("chat.history", { sessionKey: "never-used" }));
  assert.deepEqual(empty.messages, []);
});

test("a damaged line in the transcript is skipped, not fatal", async (t) => {
  const dir = await stateDir(t);
  const gw = await gatewayFor(t, { stateDir: dir });
  const c = await uiClient(t, gw);
  const { runId } = await chatSend(c, "torn", "before");
  await chatEnd(c, runId);
  // A crash in the middle of an append leaves half a JSON object on the last line.
  await appendFile(join(dir, "sessions", "torn.jsonl"), '{"role":"user","content":[{"type":"te');

  assert.deepEqual(await chatHistory(c, "torn"), [
    { role: "user", text: "before" },
    { role: "assistant", text: "echo: before", runId },
  ]);
});

// Regression: the next message used to be appended right after a torn line (no newline in
// between), so it merged into the damaged line and was lost from history for good.
test("the first message after a torn last line is kept", async (t) => {
  const dir = await stateDir(t);
  const gw = await gatewayFor(t, { stateDir: dir });
  const c = await uiClient(t, gw);
  const before = await chatSend(c, "torn", "before");
  await chatEnd(c, before.runId);
  await appendFile(join(dir, "sessions", "torn.jsonl"), '{"role":"user","content":[{"type":"te');

  const after = await chatSend(c, "torn", "after");
  assert.equal((await chatEnd(c, after.runId)).state, "final");
  assert.deepEqual(await chatHistory(c, "torn"), [
    { role: "user", text: "before" },
    { role: "assistant", text: "echo: before", runId: before.runId },
    { role: "user", text: "after" },
    { role: "assistant", text: "echo: after", runId: after.runId },
  ]);
});

// BUG (transcripts.ts history): a line that parses as JSON but is not a message (`null`, `42`,
// `{}`) is returned as a message; chat.history then answers entries outside its schema and the
// runner's history() dereferences `m.content` of it, so every later run of the session fails.
test("a line that is valid JSON but not a message is skipped too, and the session keeps working", async (t) => {
  const dir = await stateDir(t);
  const gw = await gatewayFor(t, { stateDir: dir });
  const c = await uiClient(t, gw);
  const before = await chatSend(c, "junk", "before");
  await chatEnd(c, before.runId);
  await appendFile(join(dir, "sessions", "junk.jsonl"), 'null\n42\n{"note":"not a message"}\n');

  assert.deepEqual(await chatHistory(c, "junk"), [
    { role: "user", text: "before" },
    { role: "assistant", text: "echo: before", runId: before.runId },
  ]);
  const after = await chatSend(c, "junk", "after");
  const end = await chatEnd(c, after.runId);
  assert.equal(end.state, "final", `the next run failed: ${end.errorMessage ?? ""}`);
});

test("a retried chat.send with the same idempotencyKey returns the same run and sends the message once", async (t) => {
  const gw = await gatewayFor(t);
  const c = await uiClient(t, gw);
  const params = { sessionKey: "once", message: "just once", idempotencyKey: "chat-key-1" };
  const first = okResult<{ runId: string; status: string }>("chat.send", await c.request("chat.send", params));
  const retry = okResult<{ runId: string; status: string }>("chat.send", await c.request("chat.send", params));
  assert.deepEqual(retry, first);
  await chatEnd(c, first.runId);
  const again = okResult<{ runId: string }>("chat.send", await c.request("chat.send", params));
  assert.equal(again.runId, first.runId);
  assert.deepEqual(
    (await chatHistory(c, "once")).map((m) => m.text),
    ["just once", "echo: just once"],
  );
});

test("session keys that could name another file are refused with INVALID_REQUEST", async (t) => {
  const dir = await stateDir(t);
  const gw = await gatewayFor(t, { stateDir: dir });
  const c = await uiClient(t, gw);
  const bad = ["../x", "a/b", "..\\x", "/etc/passwd", "a b", "", "x".repeat(201), "nul\u0000byte", "ü"];
  for (const sessionKey of bad) {
    const calls: [string, Record<string, unknown>][] = [
      ["chat.send", { sessionKey, message: "hi", idempotencyKey: `k-${Math.random()}` }],
      ["chat.history", { sessionKey }],
      ["chat.abort", { sessionKey }],
      ["agent", { sessionKey, message: "hi", idempotencyKey: `k-${Math.random()}` }],
    ];
    for (const [method, params] of calls) {
      const res = await c.request(method, params);
      assert.equal(res.ok, false, `${method} accepted sessionKey ${JSON.stringify(sessionKey)}`);
      assert.equal(res.error?.code, "INVALID_REQUEST", `${method} ${JSON.stringify(sessionKey)}: ${JSON.stringify(res.error)}`);
      assert.match(res.error?.message ?? "", /sessionKey/);
    }
  }
  // Nothing ran and nothing was written; the connection is still usable.
  assert.equal(agentEvents(c).length, 0);
  assert.deepEqual(await readdir(join(dir, "sessions")).catch(() => []), []);
  assert.equal((await c.request("chat.history", { sessionKey: "fine" })).ok, true);
});

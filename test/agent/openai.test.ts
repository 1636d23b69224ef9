// The openai backend against a fake OpenAI-compatible server on loopback, driven through the
// gateway's WebSocket: streaming, history, abort, upstream errors, wrong key, timeout.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import type { ConfigFile } from "@clawdbot/sidecar";
import { FakeOpenAI, manual, type Exchange } from "../fakes/openai/server.js";
import type { TestGateway } from "../support/gateway.js";
import type { RawClient } from "../support/raw-client.js";
import {
  agentEvents,
  assertEventsValid,
  assertSeqs,
  assistantText,
  chatEnd,
  chatEvents,
  chatHistory,
  chatSend,
  gatewayFor,
  messageText,
  okResult,
  openaiConfig,
  startAgent,
  uiClient,
} from "./wire.js";

interface Setup {
  fake: FakeOpenAI;
  gw: TestGateway;
  c: RawClient;
}

async function setup(t: TestContext, opts: { key?: string; agent?: NonNullable<ConfigFile["agent"]> } = {}): Promise<Setup> {
  const fake = await FakeOpenAI.start("sk-test");
  t.after(() => fake.stop());
  const gw = await gatewayFor(t, { file: openaiConfig(fake.baseUrl, opts.agent), env: { MY_KEY: opts.key ?? "sk-test" } });
  const c = await uiClient(t, gw);
  return { fake, gw, c };
}

/** Resolves with `p`, or fails naming `what` after `ms` (a guard against hangs). */
async function within<T>(p: Promise<T>, what: string, ms = 10_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms)));
  try {
    return await Promise.race([p, guard]);
  } finally {
    clearTimeout(timer);
  }
}

test("deltas stream as agent and chat events and the final text is their concatenation", async (t) => {
  const { fake, c } = await setup(t);
  fake.behaviour = manual;
  const { runId, status } = await chatSend(c, "s1", "hi there");
  assert.equal(status, "started");
  const ex = await fake.exchange(0);
  assert.equal(ex.authorization, "Bearer sk-test");
  assert.equal(ex.body.model, "m");
  assert.equal(ex.body.stream, true);
  assert.deepEqual(ex.transcript, ["user:hi there"]);

  // The first chunk of a real stream carries only the role: it yields no delta.
  ex.raw(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { role: "assistant" } }] })}\n\n`);
  ex.delta("Hel");
  await assistantText(c, runId, "Hel");
  ex.delta("lo, ");
  await assistantText(c, runId, "Hello, ");
  ex.delta("world");
  ex.done();
  const end = await chatEnd(c, runId);

  assert.equal(end.state, "final");
  assert.equal(messageText(end.message), "Hello, world");
  const assistant = agentEvents(c, runId).filter((f) => f.payload.stream === "assistant");
  assert.deepEqual(
    assistant.map((f) => [f.payload.data["delta"], f.payload.data["text"]]),
    [
      ["Hel", "Hel"],
      ["lo, ", "Hello, "],
      ["world", "Hello, world"],
    ],
  );
  const chats = chatEvents(c, runId);
  assert.deepEqual(
    chats.map((f) => [f.payload.state, messageText(f.payload.message)]),
    [
      ["delta", "Hel"],
      ["delta", "Hello, "],
      ["delta", "Hello, world"],
      ["final", "Hello, world"],
    ],
  );
  assert.ok(chats.every((f) => f.payload.sessionKey === "s1"));
  const lifecycle = agentEvents(c, runId).filter((f) => f.payload.stream === "lifecycle");
  assert.deepEqual(
    lifecycle.map((f) => [f.payload.data["phase"], f.payload.data["status"]]),
    [
      ["start", undefined],
      ["end", "ok"],
    ],
  );
  assertSeqs(agentEvents(c, runId));
  assertSeqs(chats);
  assertEventsValid(c);
  assert.equal(fake.exchanges.length, 1);
});

test("the session's earlier turns (and the system prompt) are sent on the next turn; other sessions' are not", async (t) => {
  const { fake, c } = await setup(t, { agent: { systemPrompt: "be brief" } });
  fake.behaviour = (ex) => ex.stream([`re:`, String(ex.body.messages.at(-1)?.content ?? "?")]);

  const one = await chatSend(c, "s1", "one");
  assert.equal((await chatEnd(c, one.runId)).state, "final");
  const other = await chatSend(c, "s2", "elsewhere");
  assert.equal((await chatEnd(c, other.runId)).state, "final");
  const two = await chatSend(c, "s1", "two");
  const end = await chatEnd(c, two.runId);

  assert.equal(messageText(end.message), "re:two");
  assert.deepEqual(fake.exchanges[0]?.transcript, ["system:be brief", "user:one"]);
  assert.deepEqual(fake.exchanges[1]?.transcript, ["system:be brief", "user:elsewhere"]);
  assert.deepEqual(fake.exchanges[2]?.transcript, ["system:be brief", "user:one", "assistant:re:one", "user:two"]);
  assert.deepEqual(await chatHistory(c, "s1"), [
    { role: "user", text: "one" },
    { role: "assistant", text: "re:one", runId: one.runId },
    { role: "user", text: "two" },
    { role: "assistant", text: "re:two", runId: two.runId },
  ]);
});

test("chat.abort mid-stream ends the run as aborted and closes the upstream request", async (t) => {
  const { fake, c } = await setup(t);
  fake.behaviour = manual;
  const { runId } = await chatSend(c, "s1", "tell me a long story");
  const ex = await fake.exchange(0);
  ex.delta("Once upon");
  await assistantText(c, runId, "Once upon");

  const abort = okResult<{ aborted: boolean; runIds: string[] }>("chat.abort", await c.request("chat.abort", { sessionKey: "s1" }));
  assert.deepEqual(abort, { ok: true, aborted: true, runIds: [runId] });
  const end = await chatEnd(c, runId);
  assert.equal(end.state, "aborted");
  assert.equal(messageText(end.message), "Once upon", "the aborted event carries the partial reply");
  await within(ex.clientGone, "the fake seeing the upstream request closed");
  assert.equal(ex.disconnected, true);

  const wait = okResult<{ status: string; text: string }>("agent.wait", await c.request("agent.wait", { runId, timeoutMs: 5000 }));
  assert.equal(wait.status, "aborted");
  assert.equal(wait.text, "Once upon");
  const lifecycleEnd = agentEvents(c, runId).find((f) => f.payload.stream === "lifecycle" && f.payload.data["phase"] === "end");
  assert.equal(lifecycleEnd?.payload.data["status"], "aborted");
  assert.deepEqual(await chatHistory(c, "s1"), [
    { role: "user", text: "tell me a long story" },
    { role: "assistant", text: "Once upon", runId },
  ]);
  const again = okResult<{ aborted: boolean }>("chat.abort", await c.request("chat.abort", { sessionKey: "s1" }));
  assert.equal(again.aborted, false, "nothing is left to abort");
  assertEventsValid(c);
});

test("a queued run aborted by id never reaches the model; the running one carries on", async (t) => {
  const { fake, c } = await setup(t);
  fake.behaviour = manual;
  const first = await chatSend(c, "s1", "first");
  const ex = await fake.exchange(0);
  const second = await chatSend(c, "s1", "second");
  assert.equal(second.status, "queued");

  const abort = okResult<{ runIds: string[] }>("chat.abort", await c.request("chat.abort", { sessionKey: "s1", runId: second.runId }));
  assert.deepEqual(abort.runIds, [second.runId]);
  ex.delta("one");
  ex.done();
  assert.equal((await chatEnd(c, first.runId)).state, "final");
  assert.equal((await chatEnd(c, second.runId)).state, "aborted");

  fake.behaviour = (e) => e.stream(["three"]);
  const third = await chatSend(c, "s1", "third");
  assert.equal((await chatEnd(c, third.runId)).state, "final");
  assert.equal(fake.exchanges.length, 2, "the aborted queued run reached the model");
  assert.deepEqual(fake.exchanges[1]?.transcript, ["user:first", "assistant:one", "user:third"]);
  assert.equal(agentEvents(c, second.runId).length, 0, "a run aborted in the queue never starts");
  const wait = okResult<{ status: string }>("agent.wait", await c.request("agent.wait", { runId: second.runId }));
  assert.equal(wait.status, "aborted");
});

// Regression: a queued run used to notice its abort only when the run ahead of it finished, so its
// "aborted" event and agent.wait waited for an unrelated, possibly endless run.
test("aborting a queued run ends it at once, not when the run ahead of it finishes", async (t) => {
  const { fake, c } = await setup(t);
  fake.behaviour = manual;
  await chatSend(c, "s1", "first");
  const ex = await fake.exchange(0);
  ex.delta("still going"); // and never finishes
  const second = await chatSend(c, "s1", "second");
  assert.equal(second.status, "queued");

  await c.request("chat.abort", { sessionKey: "s1", runId: second.runId });
  const end = await chatEnd(c, second.runId, 3000);
  assert.equal(end.state, "aborted");
  const wait = okResult<{ status: string }>("agent.wait", await c.request("agent.wait", { runId: second.runId, timeoutMs: 3000 }));
  assert.equal(wait.status, "aborted");
  assert.equal(ex.disconnected, false, "the first run was not touched");
});

test("chat.abort only touches the named session", async (t) => {
  const { fake, c } = await setup(t);
  fake.behaviour = manual;
  const { runId } = await chatSend(c, "mine", "hi");
  const ex = await fake.exchange(0);
  // A live run named under the wrong session is refused, as the reference gateway does.
  const wrongSession = await c.request("chat.abort", { sessionKey: "theirs", runId });
  assert.equal(wrongSession.error?.code, "INVALID_REQUEST", JSON.stringify(wrongSession));
  assert.match(wrongSession.error?.message ?? "", /belongs to another session/);
  const wholeOther = okResult<{ aborted: boolean }>("chat.abort", await c.request("chat.abort", { sessionKey: "theirs" }));
  assert.equal(wholeOther.aborted, false);
  ex.delta("unharmed");
  ex.done();
  const end = await chatEnd(c, runId);
  assert.equal(end.state, "final");
  assert.equal(messageText(end.message), "unharmed");
});

test("a 500 from the model endpoint ends the run with status error and a message", async (t) => {
  const { fake, c } = await setup(t);
  fake.behaviour = (ex) => ex.fail(500, "model overloaded");
  const run = await startAgent(c, { message: "hi", sessionKey: "s1" });
  const accepted = okResult<{ runId: string }>("agent", run.accepted);
  const final = okResult<{ runId: string; status: string; result: { text: string; error?: string } }>("agent", await run.final());

  assert.equal(final.runId, accepted.runId);
  assert.equal(final.status, "error");
  assert.match(final.result.error ?? "", /500/);
  assert.match(final.result.error ?? "", /model overloaded/);
  const end = await chatEnd(c, accepted.runId);
  assert.equal(end.state, "error");
  assert.match(end.errorMessage ?? "", /500.*model overloaded/);
  const lifecycleEnd = agentEvents(c, accepted.runId).find((f) => f.payload.data["phase"] === "end");
  assert.equal(lifecycleEnd?.payload.data["status"], "error");
  assertEventsValid(c);
});

test("a wrong API key is refused by the endpoint and the run fails saying so", async (t) => {
  const { fake, c } = await setup(t, { key: "sk-wrong" });
  const run = await startAgent(c, { message: "hi", sessionKey: "s1" });
  const final = okResult<{ status: string; result: { error?: string } }>("agent", await run.final());

  assert.equal(final.status, "error");
  assert.match(final.result.error ?? "", /401/);
  assert.match(final.result.error ?? "", /Incorrect API key/);
  assert.equal(fake.exchanges[0]?.authorization, "Bearer sk-wrong");
});

test("a stream that never finishes times out (agent.timeoutMs) and the upstream request is closed", async (t) => {
  // Long enough for the first delta to reach the gateway on a busy machine; the run still cannot finish.
  const { fake, c } = await setup(t, { agent: { timeoutMs: 2000 } });
  fake.behaviour = (ex) => ex.delta("thinking"); // then holds the stream open forever
  const run = await startAgent(c, { message: "hi", sessionKey: "s1" });
  const runId = (run.accepted.payload as { runId: string }).runId;
  const final = okResult<{ status: string; result: { text: string; error?: string } }>("agent", await run.final());

  assert.equal(final.status, "timeout");
  assert.equal(final.result.text, "thinking");
  const end = await chatEnd(c, runId);
  assert.equal(end.state, "error");
  assert.match(end.errorMessage ?? "", /did not finish within 2 s \(agent\.timeoutMs = 2000\); raise agent\.timeoutMs/);
  const ex = await fake.exchange(0);
  await within(ex.clientGone, "the fake seeing the timed-out request closed");
  const wait = okResult<{ status: string }>("agent.wait", await c.request("agent.wait", { runId }));
  assert.equal(wait.status, "timeout");
});

test("chat.send timeoutMs bounds one run without changing the configured default", async (t) => {
  const { fake, c } = await setup(t);
  fake.behaviour = manual;
  const { runId } = await chatSend(c, "s1", "hi", { timeoutMs: 200 });
  const ex = await fake.exchange(0);
  assert.equal((await chatEnd(c, runId)).state, "error");
  await within(ex.clientGone, "the upstream request closing");
  const wait = okResult<{ status: string }>("agent.wait", await c.request("agent.wait", { runId }));
  assert.equal(wait.status, "timeout");
});

test("an upstream connection cut mid-stream fails the run instead of hanging", async (t) => {
  const { fake, c } = await setup(t);
  fake.behaviour = manual;
  const { runId } = await chatSend(c, "s1", "hi");
  const ex: Exchange = await fake.exchange(0);
  ex.delta("half");
  await assistantText(c, runId, "half");
  ex.sever();
  const end = await chatEnd(c, runId);
  assert.equal(end.state, "error");
  assert.ok((end.errorMessage ?? "").length > 0, "the error event says something");
  const wait = okResult<{ status: string }>("agent.wait", await c.request("agent.wait", { runId }));
  assert.equal(wait.status, "error");
});

test("SSE split at awkward places (inside a UTF-8 character, inside the blank line, CRLF, comments) decodes intact", async (t) => {
  const { fake, c } = await setup(t);
  fake.behaviour = manual;
  const { runId } = await chatSend(c, "s1", "hi");
  const ex = await fake.exchange(0);
  const event = Buffer.from(`: keep-alive\r\n\r\ndata: ${JSON.stringify({ choices: [{ delta: { content: "café ☕" } }] })}\r\n\r\n`);
  const cuts = [event.indexOf("é") + 1, event.indexOf("☕") + 2, event.length - 2, event.length];
  let from = 0;
  for (const cut of cuts) {
    ex.raw(event.subarray(from, cut));
    from = cut;
    await new Promise((r) => setTimeout(r, 20)); // lets each piece arrive in its own read (not asserted)
  }
  ex.raw("data: [DONE]\r\n\r\n");
  const end = await chatEnd(c, runId);
  assert.equal(end.state, "final");
  assert.equal(messageText(end.message), "café ☕");
});

// BUG (openai.ts deltaText): OpenAI-compatible servers (OpenRouter, vLLM, llama.cpp) report a
// failure that happens mid-stream as `data: {"error":{...}}`; it is ignored, so the run ends "ok"
// with a truncated reply and the user never learns why.
test("an error event inside the stream fails the run with its message", async (t) => {
  const { fake, c } = await setup(t);
  fake.behaviour = manual;
  const { runId } = await chatSend(c, "s1", "hi");
  const ex = await fake.exchange(0);
  ex.delta("Half an ans");
  ex.raw(`data: ${JSON.stringify({ error: { message: "context length exceeded", code: 400 } })}\n\n`);
  ex.done();
  const end = await chatEnd(c, runId);
  assert.equal(end.state, "error");
  assert.match(end.errorMessage ?? "", /context length exceeded/);
});

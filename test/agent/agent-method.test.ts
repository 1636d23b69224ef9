// The `agent` method (two responses on one request id), `agent.wait`, idempotent retries and
// `deliver` without a channel, over real sockets with the raw client and the typed GatewayClient.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { GatewayClient, GatewayRequestError, generateIdentity } from "@clawdbot/protocol/client";
import { FakeOpenAI, manual } from "../fakes/openai/server.js";
import { connectRaw } from "../support/raw-client.js";
import type { TestGateway } from "../support/gateway.js";
import {
  agentEvents,
  assertEventsValid,
  chatHistory,
  finalResponse,
  gatewayFor,
  isAccepted,
  okResult,
  openaiConfig,
  startAgent,
  uiClient,
} from "./wire.js";

interface AgentFinal {
  runId: string;
  status: string;
  sessionKey?: string;
  summary?: string;
  result: { text: string; error?: string };
}

async function heldModel(t: TestContext): Promise<{ fake: FakeOpenAI; gw: TestGateway }> {
  const fake = await FakeOpenAI.start("sk-test");
  t.after(() => fake.stop());
  fake.behaviour = manual;
  const gw = await gatewayFor(t, { file: openaiConfig(fake.baseUrl), env: { MY_KEY: "sk-test" } });
  return { fake, gw };
}

function lifecycleStarts(frames: ReturnType<typeof agentEvents>): number {
  return frames.filter((f) => f.payload.stream === "lifecycle" && f.payload.data["phase"] === "start").length;
}

test("agent answers twice on the same request id: accepted, then the final result, both schema-valid", async (t) => {
  const gw = await gatewayFor(t);
  const c = await uiClient(t, gw);
  const run = await startAgent(c, { message: "hello" });
  const accepted = okResult<{ runId: string; status: string; acceptedAt: number; sessionKey: string }>("agent", run.accepted);
  assert.equal(accepted.status, "accepted");
  assert.equal(accepted.sessionKey, "main", "the default session");
  assert.equal(typeof accepted.acceptedAt, "number");

  const finalFrame = await run.final();
  const final = okResult<AgentFinal>("agent", finalFrame);
  assert.equal(final.runId, accepted.runId);
  assert.equal(final.status, "ok");
  assert.equal(final.sessionKey, "main");
  assert.equal(final.result.text, "echo: hello");

  // Exactly two responses for that id, the accepted one before any event of the run.
  await c.request("health");
  const responses = c.frames.filter((f) => f.type === "res" && f.id === run.id);
  assert.deepEqual(responses, [run.accepted, finalFrame]);
  const firstEvent = agentEvents(c, accepted.runId)[0];
  assert.ok(firstEvent);
  assert.ok(c.frames.indexOf(run.accepted) < c.frames.indexOf(firstEvent));
  assert.ok(c.frames.indexOf(finalFrame) > c.frames.indexOf(agentEvents(c, accepted.runId).at(-1)!), "the final response follows the run's events");
  assertEventsValid(c);
});

test("GatewayClient call(agent, {expectFinal}) reports the accepted payload, then resolves with the final one", async (t) => {
  const gw = await gatewayFor(t);
  const client = new GatewayClient({ url: gw.url, identity: generateIdentity(), scopes: ["operator.write"] });
  t.after(() => client.close());
  await client.connect();
  const accepted: unknown[] = [];
  const final = await client.call("agent", { message: "typed", sessionKey: "typed", idempotencyKey: "typed-1" }, { expectFinal: true, onAccepted: (p) => accepted.push(p) });
  assert.equal(accepted.length, 1);
  const a = accepted[0] as { runId: string; status: string };
  assert.equal(a.status, "accepted");
  assert.equal(final.runId, a.runId);
  assert.equal(final.status, "ok");
  assert.equal((final.result as { text?: string }).text, "echo: typed");
  const waited = await client.call("agent.wait", { runId: a.runId });
  assert.equal(waited.status, "ok");
});

test("agent.wait on a finished run answers ok with its text; on an unknown run NOT_FOUND", async (t) => {
  const gw = await gatewayFor(t);
  const c = await uiClient(t, gw);
  const run = await startAgent(c, { message: "done soon", sessionKey: "w" });
  const runId = (run.accepted.payload as { runId: string }).runId;
  await run.final();

  const wait = okResult<{ runId: string; status: string; text: string; startedAt: number; endedAt: number }>("agent.wait", await c.request("agent.wait", { runId }));
  assert.equal(wait.runId, runId);
  assert.equal(wait.status, "ok");
  assert.equal(wait.text, "echo: done soon");
  assert.ok(wait.endedAt >= wait.startedAt);

  const unknown = await c.request("agent.wait", { runId: "no-such-run" });
  assert.equal(unknown.ok, false);
  assert.equal(unknown.error?.code, "NOT_FOUND");
  assert.match(unknown.error?.message ?? "", /no-such-run/);
});

test("agent.wait on a running run: timeoutMs 0 says running; a longer wait resolves when the run ends", async (t) => {
  const { fake, gw } = await heldModel(t);
  const c = await uiClient(t, gw);
  const run = await startAgent(c, { message: "slow", sessionKey: "w" });
  const runId = (run.accepted.payload as { runId: string }).runId;
  const ex = await fake.exchange(0);

  const now = okResult<{ status: string }>("agent.wait", await c.request("agent.wait", { runId, timeoutMs: 0 }));
  assert.equal(now.status, "running");
  const pending = c.request("agent.wait", { runId, timeoutMs: 30_000 });
  ex.delta("finally");
  ex.done();
  const later = okResult<{ status: string; text: string }>("agent.wait", await pending);
  assert.deepEqual([later.status, later.text], ["ok", "finally"]);
});

test("agent timeout (seconds) ends a run that does not finish with status timeout", async (t) => {
  const { fake, gw } = await heldModel(t);
  const c = await uiClient(t, gw);
  const run = await startAgent(c, { message: "never ends", sessionKey: "to", timeout: 1 });
  const ex = await fake.exchange(0);
  ex.delta("partial");
  const final = okResult<AgentFinal>("agent", await run.final());
  assert.equal(final.status, "timeout");
  assert.equal(final.result.text, "partial");
  assert.ok(final.result.error, "the final result says why");
});

test("a retried agent call with the same idempotencyKey returns the same runId and runs once", async (t) => {
  const gw = await gatewayFor(t);
  const c = await uiClient(t, gw);
  const params = { message: "only once", sessionKey: "idem", idempotencyKey: "agent-key-1" };
  const first = await c.request("agent", params);
  const runId = (first.payload as { runId: string }).runId;
  const firstFinal = okResult<AgentFinal>("agent", await finalResponse(c, first.id!));

  const retry = await c.request("agent", params);
  const retryFinal = isAccepted(retry) ? await finalResponse(c, retry.id!) : retry;
  const again = okResult<AgentFinal>("agent", retryFinal);
  assert.equal(again.runId, runId);
  assert.deepEqual(again, firstFinal);

  const other = await startAgent(c, { message: "new key", sessionKey: "idem" });
  await other.final();
  assert.equal(lifecycleStarts(agentEvents(c, runId)), 1, "the retry started the run again");
  assert.equal(lifecycleStarts(agentEvents(c)), 2, "exactly one run per key");
  assert.deepEqual(
    (await chatHistory(c, "idem")).filter((m) => m.role === "user").map((m) => m.text),
    ["only once", "new key"],
  );
});

test("a retry while the first agent call is still running (also after a reconnect) joins it", async (t) => {
  const { fake, gw } = await heldModel(t);
  const identity = generateIdentity();
  const c1 = (await connectRaw(gw.url, { identity, mode: "ui" })).client;
  t.after(() => c1.close());
  const params = { message: "long job", sessionKey: "idem2", idempotencyKey: "agent-key-2" };
  const first = await c1.request("agent", params);
  const runId = (first.payload as { runId: string }).runId;
  const ex = await fake.exchange(0);

  // Same connection, and the same device on a new connection, retry while the run streams.
  const same = c1.request("agent", params);
  const c2 = (await connectRaw(gw.url, { identity, mode: "ui" })).client;
  t.after(() => c2.close());
  const reconnected = c2.request("agent", params);
  ex.delta("result");
  ex.done();

  for (const [c, pending] of [
    [c1, same],
    [c2, reconnected],
  ] as const) {
    const res = await pending;
    const final = okResult<AgentFinal>("agent", isAccepted(res) ? await finalResponse(c, res.id!) : res);
    assert.equal(final.runId, runId);
    assert.equal(final.status, "ok");
    assert.equal(final.result.text, "result");
  }
  assert.equal(fake.exchanges.length, 1, "the model was called once");
  assert.equal(lifecycleStarts(agentEvents(c1)), 1);
});

test("deliver:true to a channel that is not configured is refused, naming the channel, and nothing runs", async (t) => {
  const gw = await gatewayFor(t);
  const c = await uiClient(t, gw);
  const prefixed = await c.request("agent", { message: "hi", deliver: true, to: "telegram:1", sessionKey: "d", idempotencyKey: "d-1" });
  assert.equal(prefixed.ok, false);
  assert.equal(prefixed.error?.code, "NOT_FOUND");
  assert.match(prefixed.error?.message ?? "", /telegram/);
  assert.match(prefixed.error?.message ?? "", /not configured/);

  const named = await c.request("agent", { message: "hi", deliver: true, channel: "telegram", to: "1", sessionKey: "d", idempotencyKey: "d-2" });
  assert.equal(named.ok, false);
  assert.match(named.error?.message ?? "", /telegram/);

  const noTarget = await c.request("agent", { message: "hi", deliver: true, sessionKey: "d", idempotencyKey: "d-3" });
  assert.equal(noTarget.ok, false);
  assert.equal(noTarget.error?.code, "INVALID_REQUEST");
  assert.match(noTarget.error?.message ?? "", /\bto\b/);

  for (const f of [prefixed, named, noTarget]) {
    assert.equal(c.frames.filter((x) => x.type === "res" && x.id === f.id).length, 1, "no accepted response before the refusal");
  }
  assert.equal(agentEvents(c).length, 0, "a refused agent call must not run the agent");
  assert.deepEqual(await chatHistory(c, "d"), []);
});

test("a refused agent call rejects the typed client's expectFinal call with the error", async (t) => {
  const gw = await gatewayFor(t);
  const client = new GatewayClient({ url: gw.url, identity: generateIdentity(), scopes: ["operator.write"] });
  t.after(() => client.close());
  await client.connect();
  await assert.rejects(
    client.call("agent", { message: "hi", deliver: true, to: "telegram:1", idempotencyKey: "typed-d" }, { expectFinal: true }),
    (e: unknown) => e instanceof GatewayRequestError && e.code === "NOT_FOUND" && /telegram/.test(e.message),
  );
});

test("chat.send and agent need an idempotencyKey", async (t) => {
  const gw = await gatewayFor(t);
  const c = await uiClient(t, gw);
  for (const [method, params] of [
    ["agent", { message: "hi" }],
    ["chat.send", { sessionKey: "k", message: "hi" }],
  ] as const) {
    const res = await c.request(method, params);
    assert.equal(res.ok, false);
    assert.equal(res.error?.code, "INVALID_REQUEST");
    assert.match(res.error?.message ?? "", /idempotencyKey/);
  }
  assert.equal(agentEvents(c).length, 0);
});

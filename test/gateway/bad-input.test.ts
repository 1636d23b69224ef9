// Malformed input after the handshake: each case asserts the exact answer (or silence), that the
// connection is still usable, and that other clients are unaffected.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MAX_JSON_DEPTH } from "@clawdbot/sidecar";
import { startGateway, type TestGateway } from "../support/gateway.js";
import { connectRaw, type Frame, type RawClient } from "../support/raw-client.js";
import { assertWireValid, isOpen, responses } from "./wire.js";

const MAX_PAYLOAD = 4096;

async function setup(t: { after: (fn: () => unknown) => void }): Promise<{ gw: TestGateway; client: RawClient }> {
  const gw = await startGateway({ file: { gateway: { maxPayload: MAX_PAYLOAD } } });
  t.after(() => gw.stop());
  const { client, res } = await connectRaw(gw.url);
  assert.equal(res.ok, true, JSON.stringify(res));
  t.after(() => client.close());
  return { gw, client };
}

/** Health still answers on this connection, and nothing else was answered in between. */
async function assertSilentlyDropped(client: RawClient, answeredBefore: number): Promise<void> {
  const h = await client.request("health");
  assert.equal(h.ok, true);
  assert.equal(responses(client).length, answeredBefore + 1, `unexpected responses: ${JSON.stringify(responses(client))}`);
  assert.ok(isOpen(client));
}

/** Sends raw text and returns the response to request `id`. */
async function sendFor(client: RawClient, id: string, text: string): Promise<Frame> {
  client.sendRaw(text);
  return client.response(id);
}

function invalid(res: Frame, id: string): NonNullable<Frame["error"]> {
  assert.equal(res.type, "res");
  assert.equal(res.id, id);
  assert.equal(res.ok, false, JSON.stringify(res));
  assert.equal(res.error?.code, "INVALID_REQUEST", JSON.stringify(res));
  return res.error;
}

/** An object nested `levels` deep: nested(1) = {}, nested(2) = {a:{}}. */
function nested(levels: number): unknown {
  let v: unknown = {};
  for (let i = 1; i < levels; i++) v = { a: v };
  return v;
}

test("non-JSON text is dropped without an answer and the connection stays open", async (t) => {
  const { client } = await setup(t);
  const answered = responses(client).length;
  for (const text of ["not json", "{", "", '{"type":"req","id":"t1","method":"health"', "\u0000\u0001"]) client.sendRaw(text);
  await assertSilentlyDropped(client, answered);
});

test("a binary frame is dropped without an answer and the connection stays open", async (t) => {
  const { client } = await setup(t);
  const answered = responses(client).length;
  client.ws.send(Buffer.from(JSON.stringify({ type: "req", id: "bin1", method: "health" })), { binary: true });
  await assertSilentlyDropped(client, answered);
});

test("valid JSON that is not a request (event, response, array, scalar, id-less) is dropped silently", async (t) => {
  const { client } = await setup(t);
  const answered = responses(client).length;
  const frames: unknown[] = [
    { type: "event", event: "tick", payload: { ts: 1 } },
    { type: "res", id: "r-fake", ok: true, payload: {} },
    [],
    [{ type: "req", id: "arr1", method: "health" }],
    42,
    "req",
    null,
    {},
    { type: "req", method: "health" },
    { type: "req", id: "", method: "health" },
    { type: "req", id: 7, method: "health" },
  ];
  for (const f of frames) client.sendRaw(JSON.stringify(f));
  await assertSilentlyDropped(client, answered);
});

test("a request with an extra top-level key → INVALID_REQUEST with the same id, naming the key", async (t) => {
  const { client } = await setup(t);
  const res = await sendFor(client, "x1", JSON.stringify({ type: "req", id: "x1", method: "health", extra: true }));
  const err = invalid(res, "x1");
  assert.match(err.message, /extra/);
  assert.ok(Array.isArray((err.details as { issues?: unknown[] }).issues));
  const wrongType = await sendFor(client, "x2", JSON.stringify({ type: "req", id: "x2", method: 5 }));
  invalid(wrongType, "x2");
  assert.equal((await client.request("health")).ok, true);
  assertWireValid(client.frames);
});

test("an unknown method → INVALID_REQUEST pointing at hello-ok.features.methods; the connection stays open", async (t) => {
  const { client } = await setup(t);
  for (const m of ["nope.nothing", "__proto__", "constructor", "Health"]) {
    const res = await client.request(m, {});
    const err = invalid(res, res.id as string);
    assert.match(err.message, /unknown method/, m);
  }
  const again = await client.request("connect", {});
  assert.match(invalid(again, again.id as string).message, /already connected/);
  assert.equal((await client.request("health")).ok, true);
  assertWireValid(client.frames);
});

test("wrong params → INVALID_REQUEST with the schema issues in details", async (t) => {
  const { client } = await setup(t);
  const bad = await client.request("set-heartbeats", { enabled: "yes" });
  const err = invalid(bad, bad.id as string);
  const issues = (err.details as { issues: { path: string; message: string }[] }).issues;
  assert.equal(issues[0]?.path, "/enabled");
  assert.match(err.message, /set-heartbeats/);

  for (const [method, params] of [
    ["health", "please"],
    ["health", { probe: 1 }],
    ["status", { verbose: true }],
    ["set-heartbeats", null],
    ["set-heartbeats", []],
    ["system-event", { text: 42 }],
    ["logs.tail", { limit: 0 }],
    ["logs.tail", { cursor: -1 }],
  ] as const) {
    const res = await client.request(method, params);
    const e = invalid(res, res.id as string);
    assert.ok((e.details as { issues?: unknown[] }).issues?.length, `${method} ${JSON.stringify(params)}: no issues`);
  }
  const status = (await client.request("status")).payload as Record<string, unknown>;
  assert.equal(status["heartbeats"], true, "no invalid request had an effect");
  assertWireValid(client.frames);
});

test(`a frame nested deeper than MAX_JSON_DEPTH (${MAX_JSON_DEPTH}) → INVALID_REQUEST; exactly at the limit is decoded`, async (t) => {
  const { client } = await setup(t);
  // The frame object is level 1 and params level 2, so params nested(n) reaches level n + 1.
  const atLimit = await sendFor(client, "d1", JSON.stringify({ type: "req", id: "d1", method: "health", params: nested(MAX_JSON_DEPTH - 1) }));
  assert.doesNotMatch(invalid(atLimit, "d1").message, /deeper/, "a frame at the limit reaches params validation");
  const tooDeep = await sendFor(client, "d2", JSON.stringify({ type: "req", id: "d2", method: "health", params: nested(MAX_JSON_DEPTH) }));
  assert.match(invalid(tooDeep, "d2").message, /deeper/);
  let arrays: unknown = [];
  for (let i = 0; i < MAX_JSON_DEPTH + 5; i++) arrays = [arrays];
  invalid(await sendFor(client, "d3", JSON.stringify({ type: "req", id: "d3", method: "health", params: arrays })), "d3");
  assert.equal((await client.request("health")).ok, true);
  assertWireValid(client.frames);
});

test("a pathologically deep frame (100k levels) is refused without crashing the gateway", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const { client } = await connectRaw(gw.url);
  t.after(() => client.close());
  const depth = 100_000;
  const text = `{"type":"req","id":"deep","method":"health","params":${"[".repeat(depth)}${"]".repeat(depth)}}`;
  invalid(await sendFor(client, "deep", text), "deep");
  assert.equal((await client.request("health")).ok, true);
});

test("a __proto__ key anywhere in a frame → INVALID_REQUEST and nothing is polluted", async (t) => {
  const { client } = await setup(t);
  const cases: [string, string][] = [
    ["p1", '{"type":"req","id":"p1","method":"health","params":{"__proto__":{"polluted":true}}}'],
    ["p2", '{"type":"req","id":"p2","method":"set-heartbeats","params":{"enabled":false,"x":[{"__proto__":{"polluted":true}}]}}'],
    ["p3", '{"type":"req","id":"p3","method":"health","__proto__":{"polluted":true}}'],
  ];
  for (const [id, text] of cases) assert.match(invalid(await sendFor(client, id, text), id).message, /__proto__/);
  assert.equal(({} as Record<string, unknown>)["polluted"], undefined);
  const status = (await client.request("status")).payload as Record<string, unknown>;
  assert.equal(status["heartbeats"], true);
  assert.equal(status["polluted"], undefined);
  assertWireValid(client.frames);
});

test("a frame larger than maxPayload closes the connection with 1009; one exactly at maxPayload is served", async (t) => {
  const { gw, client } = await setup(t);
  const frame = (size: number, id: string) => {
    const base = JSON.stringify({ type: "req", id, method: "health" });
    return JSON.stringify({ type: "req", id: id + "-".repeat(size - base.length), method: "health" });
  };
  const exact = frame(MAX_PAYLOAD, "ok");
  assert.equal(Buffer.byteLength(exact), MAX_PAYLOAD);
  client.sendRaw(exact);
  assert.equal((await client.next((f) => f.type === "res" && String(f.id).startsWith("ok-"))).ok, true);

  client.sendRaw(frame(MAX_PAYLOAD + 1, "big"));
  const closed = await client.closed;
  assert.equal(closed.code, 1009);
  const other = await connectRaw(gw.url);
  t.after(() => other.client.close());
  assert.equal((await other.client.request("health")).ok, true);
});

test("after a barrage of every kind of bad input, another client is unaffected and the gateway still serves", async (t) => {
  const { gw, client } = await setup(t);
  const bystander = await connectRaw(gw.url, { mode: "ui" });
  t.after(() => bystander.client.close());
  client.sendRaw("garbage");
  client.sendRaw(JSON.stringify({ type: "event", event: "presence", payload: { presence: [] } }));
  client.sendRaw(JSON.stringify({ type: "req", id: "b1", method: "health", extra: 1 }));
  client.sendRaw(JSON.stringify({ type: "req", id: "b2", method: "nope" }));
  client.sendRaw(JSON.stringify({ type: "req", id: "b3", method: "set-heartbeats", params: { enabled: 1 } }));
  client.sendRaw(JSON.stringify({ type: "req", id: "b4", method: "health", params: nested(MAX_JSON_DEPTH + 3) }));
  client.sendRaw('{"type":"req","id":"b5","method":"health","params":{"__proto__":{}}}');
  for (const id of ["b1", "b2", "b3", "b4", "b5"]) assert.equal((await client.response(id)).error?.code, "INVALID_REQUEST");
  client.sendRaw("x".repeat(MAX_PAYLOAD + 10));
  assert.equal((await client.closed).code, 1009);

  assert.equal((await bystander.client.request("health")).ok, true);
  const status = (await bystander.client.request("status")).payload as { connections: number };
  assert.equal(status.connections, 1);
  const fresh = await connectRaw(gw.url);
  t.after(() => fresh.client.close());
  assert.equal((await fresh.client.request("health")).ok, true);
  assert.ok(!bystander.client.frames.some((f) => f.type === "res" && String(f.id).startsWith("b")), "no cross-talk");
});

test("more than 50 invalid frames close the connection with 1008 'too many invalid frames'", async (t) => {
  const { gw, client } = await setup(t);
  for (let i = 0; i < 50; i++) client.sendRaw(`junk ${i}`);
  assert.equal((await client.request("health")).ok, true, "50 invalid frames are tolerated");
  client.sendRaw("junk 51");
  assert.deepEqual(await client.closed, { code: 1008, reason: "too many invalid frames" });
  const other = await connectRaw(gw.url);
  t.after(() => other.client.close());
  assert.equal((await other.client.request("health")).ok, true);
});

test("answered invalid requests count towards the limit too (a flood of bad frames with ids)", async (t) => {
  const { client } = await setup(t);
  for (let i = 0; i < 51; i++) client.sendRaw(JSON.stringify({ type: "req", id: `e${i}`, method: "health", extra: i }));
  assert.deepEqual(await client.closed, { code: 1008, reason: "too many invalid frames" });
  assert.equal(responses(client).filter((f) => String(f.id).startsWith("e")).length, 51, "each was answered before the close");
});

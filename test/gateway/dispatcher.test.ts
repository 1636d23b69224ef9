// The dispatcher in-process, with its own method table, an injected clock and a captured log:
// authorize → validate → dedupe → execute, and what reaches the wire when a handler fails.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Type } from "@sinclair/typebox";
import { method, type MethodDecl } from "@clawdbot/protocol";
import { DedupeCache, Dispatcher, GatewayError, createLogger } from "@clawdbot/sidecar";

type Caller = Parameters<Dispatcher["dispatch"]>[1];
type Outcome = Awaited<ReturnType<Dispatcher["dispatch"]>>;

const effect = method({
  summary: "A side effect that must not run twice.",
  params: Type.Object({ n: Type.Integer(), idempotencyKey: Type.Optional(Type.String({ minLength: 1 })) }, { additionalProperties: false }),
  result: Type.Object({ run: Type.Integer() }),
  scope: "operator.write",
  roles: ["operator"],
  idempotency: "required",
});

const optional = method({ ...effect, summary: "Key optional.", idempotency: "optional" });
const reader = method({
  summary: "Read-only, open to nodes.",
  params: Type.Optional(Type.Object({}, { additionalProperties: false })),
  result: Type.Object({}),
  scope: "operator.read",
  roles: ["operator", "node"],
  idempotency: "none",
});

const CALLER: Caller = {
  connId: "conn-1",
  role: "operator",
  scopes: ["operator.write"],
  deviceId: "device-a",
  client: { id: "test", version: "1.0.0", platform: "linux", mode: "test" },
  remoteIp: "127.0.0.1",
  isLocal: true,
  presenceKey: "device-a",
  viaDeviceToken: false,
};

interface Rig {
  dispatcher: Dispatcher;
  runs: () => number;
  advance: (ms: number) => void;
  logs: string[];
  call: (m: string, params: unknown, caller?: Caller) => Promise<Outcome>;
  release: () => void;
}

/** A dispatcher over test methods; `test.effect` counts runs and can be held open with `gate`. */
function rig(opts: { gate?: boolean; throws?: unknown } = {}): Rig {
  let now = 1_700_000_000_000;
  let count = 0;
  let release: () => void = () => undefined;
  const gate = opts.gate ? new Promise<void>((r) => (release = r)) : Promise.resolve();
  const logs: string[] = [];
  const log = createLogger({ level: "info", pretty: false, destination: { write: (s: string) => void logs.push(s) } });
  const decls: Record<string, MethodDecl> = {
    "test.effect": effect,
    "test.optional": optional,
    "test.read": reader,
    "test.unserved": reader,
  };
  const handlers = {
    "test.effect": async (p: { n: number }) => {
      count++;
      const run = count;
      await gate;
      if (opts.throws !== undefined) throw opts.throws;
      return { run, n: p.n };
    },
    "test.optional": () => ({ run: ++count }),
    "test.read": () => ({}),
  };
  const dispatcher = new Dispatcher(decls, handlers, new DedupeCache(() => now), log);
  let id = 0;
  return {
    dispatcher,
    runs: () => count,
    advance: (ms) => void (now += ms),
    logs,
    release: () => release(),
    call: (m, params, caller = CALLER) =>
      dispatcher.dispatch({ type: "req", id: `q${++id}`, method: m, ...(params === undefined ? {} : { params }) }, caller, () => undefined),
  };
}

function errorOf(o: Outcome) {
  assert.equal(o.ok, false, JSON.stringify(o));
  return o.ok ? assert.fail() : o.error;
}

test("methods() lists only declared methods that have a handler", () => {
  assert.deepEqual(rig().dispatcher.methods(), ["test.effect", "test.optional", "test.read"]);
});

test("a required idempotency key that is missing → INVALID_REQUEST and the handler does not run", async () => {
  const r = rig();
  const err = errorOf(await r.call("test.effect", { n: 1 }));
  assert.equal(err.code, "INVALID_REQUEST");
  assert.match(err.message, /idempotencyKey/);
  assert.equal(r.runs(), 0);
});

test("the same key twice runs the handler once and returns the first outcome both times", async () => {
  const r = rig();
  const first = await r.call("test.effect", { n: 1, idempotencyKey: "k" });
  const again = await r.call("test.effect", { n: 2, idempotencyKey: "k" });
  assert.deepEqual(first, { ok: true, payload: { run: 1, n: 1 } });
  assert.deepEqual(again, first);
  assert.equal(r.runs(), 1);
});

test("concurrent requests with the same key share one in-flight run", async () => {
  const r = rig({ gate: true });
  const a = r.call("test.effect", { n: 1, idempotencyKey: "k" });
  const b = r.call("test.effect", { n: 1, idempotencyKey: "k" });
  await new Promise((resolve) => setImmediate(resolve));
  r.release();
  const [ra, rb] = await Promise.all([a, b]);
  assert.deepEqual(ra, { ok: true, payload: { run: 1, n: 1 } });
  assert.deepEqual(rb, ra);
  assert.equal(r.runs(), 1);
});

test("a different key, or the same key from another device, runs again", async () => {
  const r = rig();
  await r.call("test.effect", { n: 1, idempotencyKey: "k1" });
  const other = await r.call("test.effect", { n: 1, idempotencyKey: "k2" });
  assert.deepEqual(other, { ok: true, payload: { run: 2, n: 1 } });
  const otherDevice = await r.call("test.effect", { n: 1, idempotencyKey: "k1" }, { ...CALLER, connId: "c2", deviceId: "device-b" });
  assert.deepEqual(otherDevice, { ok: true, payload: { run: 3, n: 1 } });
  assert.equal(r.runs(), 3);
});

test("the same device on a new connection gets the cached outcome (dedupe survives a reconnect)", async () => {
  const r = rig();
  const first = await r.call("test.effect", { n: 1, idempotencyKey: "k" });
  const afterReconnect = await r.call("test.effect", { n: 1, idempotencyKey: "k" }, { ...CALLER, connId: "conn-2" });
  assert.deepEqual(afterReconnect, first);
  assert.equal(r.runs(), 1);
});

test("an outcome is remembered for 5 minutes, then the key runs again", async () => {
  const r = rig();
  await r.call("test.effect", { n: 1, idempotencyKey: "k" });
  r.advance(5 * 60_000 - 1);
  await r.call("test.effect", { n: 1, idempotencyKey: "k" });
  assert.equal(r.runs(), 1);
  r.advance(1);
  const later = await r.call("test.effect", { n: 1, idempotencyKey: "k" });
  assert.deepEqual(later, { ok: true, payload: { run: 2, n: 1 } });
  assert.equal(r.runs(), 2);
});

test("a failed outcome is also remembered: a retry does not re-run a handler that already failed", async () => {
  const r = rig({ throws: new GatewayError("not_found", "no such thing") });
  const first = errorOf(await r.call("test.effect", { n: 1, idempotencyKey: "k" }));
  const again = errorOf(await r.call("test.effect", { n: 1, idempotencyKey: "k" }));
  assert.deepEqual(first, { code: "NOT_FOUND", message: "no such thing" });
  assert.deepEqual(again, first);
  assert.equal(r.runs(), 1);
});

test("optional idempotency: without a key every call runs, with a key retries are deduped", async () => {
  const r = rig();
  await r.call("test.optional", { n: 1 });
  await r.call("test.optional", { n: 1 });
  assert.equal(r.runs(), 2);
  await r.call("test.optional", { n: 1, idempotencyKey: "k" });
  await r.call("test.optional", { n: 1, idempotencyKey: "k" });
  assert.equal(r.runs(), 3);
});

test("a handler that throws a plain Error answers UNAVAILABLE without leaking internals, and is logged", async () => {
  const secret = "ECONNREFUSED /var/secret/db.sock at Pool.connect";
  const r = rig({ throws: new Error(secret) });
  const out = await r.call("test.effect", { n: 1, idempotencyKey: "k" });
  const err = errorOf(out);
  assert.equal(err.code, "UNAVAILABLE");
  assert.deepEqual(Object.keys(err).sort(), ["code", "message"]);
  assert.ok(!JSON.stringify(out).includes("secret") && !JSON.stringify(out).includes("Pool"), JSON.stringify(out));
  assert.ok(r.logs.some((l) => l.includes("method handler failed") && l.includes(secret)), "the real cause is in the log");
});

test("a handler that throws a non-Error value is handled the same way", async () => {
  const r = rig({ throws: { weird: "object" } });
  const err = errorOf(await r.call("test.effect", { n: 1, idempotencyKey: "k" }));
  assert.equal(err.code, "UNAVAILABLE");
  assert.ok(!JSON.stringify(err).includes("weird"));
});

test("unknown, undeclared-handler and prototype-named methods → INVALID_REQUEST", async () => {
  const r = rig();
  for (const m of ["nope", "test.unserved", "__proto__", "constructor", "toString", "hasOwnProperty"]) {
    const err = errorOf(await r.call(m, undefined));
    assert.equal(err.code, "INVALID_REQUEST", m);
  }
});

test("role and scope: wrong role and missing scope → FORBIDDEN (with the scope needed); admin implies the scope", async () => {
  const r = rig();
  const node: Caller = { ...CALLER, role: "node", scopes: [] };
  assert.equal(errorOf(await r.call("test.effect", { n: 1, idempotencyKey: "k" }, node)).code, "FORBIDDEN");
  assert.deepEqual((await r.call("test.read", undefined, node)).ok, true);
  const readOnly: Caller = { ...CALLER, scopes: ["operator.read"] };
  const err = errorOf(await r.call("test.effect", { n: 1, idempotencyKey: "k" }, readOnly));
  assert.equal(err.code, "FORBIDDEN");
  assert.deepEqual(err.details, { required: "operator.write" });
  const admin: Caller = { ...CALLER, scopes: ["operator.admin"] };
  assert.equal((await r.call("test.effect", { n: 1, idempotencyKey: "k" }, admin)).ok, true);
  assert.equal(r.runs(), 1);
});

test("params are validated against the declared schema, with the issues in details", async () => {
  const r = rig();
  const err = errorOf(await r.call("test.effect", { n: "one", idempotencyKey: "k" }));
  assert.equal(err.code, "INVALID_REQUEST");
  const issues = (err.details as { issues: { path: string; message: string }[] }).issues;
  assert.equal(issues[0]?.path, "/n");
  const extra = errorOf(await r.call("test.effect", { n: 1, idempotencyKey: "k", sneaky: true }));
  assert.match(extra.message, /sneaky/);
  assert.equal(errorOf(await r.call("test.effect", undefined)).code, "INVALID_REQUEST");
  assert.equal(r.runs(), 0);
});

test("DedupeCache stays bounded: past maxEntries the oldest outcome is forgotten", async () => {
  const cache = new DedupeCache(() => 0, 60_000, 3);
  let runs = 0;
  const work = async () => ({ ok: true as const, payload: ++runs });
  for (const k of ["a", "b", "c", "d"]) await cache.run(k, work);
  assert.equal(cache.size, 3);
  assert.deepEqual(await cache.run("d", work), { ok: true, payload: 4 }, "recent keys are still cached");
  assert.deepEqual(await cache.run("a", work), { ok: true, payload: 5 }, "the oldest key was evicted");
});

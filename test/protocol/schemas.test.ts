import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  ConnectParamsSchema,
  ErrorShapeSchema,
  EventFrameSchema,
  EVENTS,
  HelloOkSchema,
  METHODS,
  RequestFrameSchema,
  ResponseFrameSchema,
  check,
  schemaDocument,
  scopeSatisfied,
  scopesCovered,
} from "@clawdbot/protocol";

const baseConnect = {
  minProtocol: 3,
  maxProtocol: 3,
  client: { id: "cli", version: "1.0.0", platform: "linux", mode: "cli" },
};

test("frames reject additional properties and wrong types", () => {
  assert.ok(check(RequestFrameSchema, { type: "req", id: "1", method: "health" }).ok);
  assert.ok(!check(RequestFrameSchema, { type: "req", id: "1", method: "health", extra: 1 }).ok);
  assert.ok(!check(RequestFrameSchema, { type: "req", id: "", method: "health" }).ok);
  assert.ok(!check(ResponseFrameSchema, { type: "res", id: "1", ok: "yes" }).ok);
  assert.ok(!check(EventFrameSchema, { type: "event", event: "tick", seq: 1.5 }).ok);
  assert.ok(!check(EventFrameSchema, { type: "event", event: "tick", stateVersion: { presence: 1 } }).ok);
  assert.ok(!check(ErrorShapeSchema, { code: "X", message: "m", hint: "no" }).ok);
});

test("connect params: known client ids and modes only, strict objects", () => {
  assert.ok(check(ConnectParamsSchema, baseConnect).ok);
  const unknownId = check(ConnectParamsSchema, { ...baseConnect, client: { ...baseConnect.client, id: "evil" } });
  assert.ok(!unknownId.ok);
  assert.ok(!check(ConnectParamsSchema, { ...baseConnect, client: { ...baseConnect.client, mode: "root" } }).ok);
  assert.ok(!check(ConnectParamsSchema, { ...baseConnect, role: "admin" }).ok);
  const extra = check(ConnectParamsSchema, { ...baseConnect, isAdmin: true });
  assert.ok(!extra.ok && extra.issues[0]?.message.includes("isAdmin"));
  for (const id of ["cli", "webchat-ui", "clawdbot-control-ui", "moltbot-macos", "node-host", "fingerprint", "moltbot-probe"]) {
    assert.ok(check(ConnectParamsSchema, { ...baseConnect, client: { ...baseConnect.client, id } }).ok, id);
  }
});

test("hello-ok is strict at every level", () => {
  const hello = {
    type: "hello-ok",
    protocol: 3,
    server: { version: "1", connId: "c" },
    features: { methods: ["health"], events: ["tick"] },
    snapshot: { presence: [{ ts: 1 }], health: { anything: true }, stateVersion: { presence: 0, health: 0 }, uptimeMs: 0 },
    policy: { maxPayload: 1, maxBufferedBytes: 1, tickIntervalMs: 1 },
  };
  assert.ok(check(HelloOkSchema, hello).ok);
  assert.ok(!check(HelloOkSchema, { ...hello, server: { ...hello.server, pid: 1 } }).ok);
  assert.ok(!check(HelloOkSchema, { ...hello, snapshot: { ...hello.snapshot, presence: [{ ts: 1, nick: "x" }] } }).ok);
  assert.ok(!check(HelloOkSchema, { ...hello, policy: { ...hello.policy, extra: 1 } }).ok);
});

test("operator.admin implies every operator scope; others imply only themselves", () => {
  assert.ok(scopeSatisfied(["operator.admin"], "operator.pairing"));
  assert.ok(!scopeSatisfied(["operator.pairing"], "operator.read"));
  assert.ok(scopesCovered(["operator.admin"], ["operator.read", "operator.write"]));
  assert.ok(!scopesCovered(["operator.pairing"], ["operator.admin"]));
});

test("the generated schema document is committed and covers every method and event", () => {
  const committed = JSON.parse(readFileSync(new URL("../../protocol/generated/protocol.schema.json", import.meta.url), "utf8")) as {
    definitions: Record<string, unknown>;
    methods: Record<string, unknown>;
  };
  const fresh = schemaDocument() as { definitions: Record<string, unknown> };
  assert.deepEqual(Object.keys(committed.definitions).sort(), Object.keys(fresh.definitions).sort());
  for (const m of Object.keys(METHODS)) {
    assert.ok(committed.definitions[`method:${m}:params`], m);
    assert.ok(committed.methods[m], m);
  }
  for (const e of Object.keys(EVENTS)) assert.ok(committed.definitions[`event:${e}`], e);
});

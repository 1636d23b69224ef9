// Every implemented method over a real socket: result shapes against the declared schemas, and
// what each one reports.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { TSchema } from "@sinclair/typebox";
import {
  EVENTS,
  HelloOkSchema,
  METHODS,
  METHOD_NAMES,
  check,
  formatIssues,
  type HelloOk,
  type MethodName,
  type Params,
  type PresenceEntry,
  type Result,
} from "@clawdbot/protocol";
import { generateIdentity } from "@clawdbot/protocol/client";
import { startGateway } from "../support/gateway.js";
import { connectRaw, RawClient, type Frame } from "../support/raw-client.js";
import { assertWireValid } from "./wire.js";

/** The system methods this file covers (pairing methods have their own tests). */
type SystemMethod =
  | "health"
  | "status"
  | "system-presence"
  | "system-event"
  | "last-heartbeat"
  | "set-heartbeats"
  | "logs.tail"
  | "config.get"
  | "config.schema";

/** Valid params for each system method. */
const SAMPLE_PARAMS: { [M in SystemMethod]: Params<M> | undefined } = {
  health: { probe: true },
  status: undefined,
  "system-presence": {},
  "system-event": { text: "methods test", idempotencyKey: "methods-test-1" },
  "last-heartbeat": undefined,
  "set-heartbeats": { enabled: true },
  "logs.tail": { limit: 5 },
  "config.get": undefined,
  "config.schema": {},
};

function payloadOf<M extends MethodName>(_m: M, f: Frame): Result<M> {
  assert.equal(f.ok, true, JSON.stringify(f));
  const res = check(METHODS[_m].result as TSchema, f.payload);
  assert.ok(res.ok, `${_m} result off-schema: ${res.ok ? "" : formatIssues(res.issues)}`);
  return f.payload as Result<M>;
}

async function call<M extends MethodName>(c: RawClient, m: M, params?: Params<M>): Promise<Result<M>> {
  return payloadOf(m, await c.request(m, params));
}

test("hello-ok is strict-schema valid and advertises exactly the declared methods and events", async (t) => {
  const gw = await startGateway({ file: { gateway: { tickIntervalMs: 5000, maxPayload: 4096, maxBufferedBytes: 65536 } } });
  t.after(() => gw.stop());
  const { client, res } = await connectRaw(gw.url);
  t.after(() => client.close());
  assert.equal(res.ok, true, JSON.stringify(res));
  const hello = check(HelloOkSchema, res.payload);
  assert.ok(hello.ok, hello.ok ? "" : formatIssues(hello.issues));
  const h: HelloOk = hello.value;
  assert.deepEqual(h.features.methods, Object.keys(METHODS));
  assert.deepEqual(h.features.events, Object.keys(EVENTS));
  assert.equal(h.protocol, 3);
  assert.deepEqual(h.policy, { maxPayload: 4096, maxBufferedBytes: 65536, tickIntervalMs: 5000 });
  assert.equal(h.snapshot.stateDir, gw.stateDir);
  assert.equal(h.snapshot.presence[0]?.mode, "gateway", "the gateway's own row comes first");
  assertWireValid(client.frames);
});

test("an admin can call every system method and each result matches its declared result schema", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const { client } = await connectRaw(gw.url, { scopes: ["operator.admin", "operator.approvals", "operator.pairing"] });
  t.after(() => client.close());
  for (const m of Object.keys(SAMPLE_PARAMS) as SystemMethod[]) {
    const res = await client.request(m, SAMPLE_PARAMS[m]);
    assert.equal(res.ok, true, `${m}: ${JSON.stringify(res.error)}`);
    const out = check(METHODS[m].result as TSchema, res.payload);
    assert.ok(out.ok, `${m} result off-schema: ${out.ok ? "" : formatIssues(out.issues)}`);
  }
  assertWireValid(client.frames);
});

test("an admin is never refused by scope: every declared operator method is at least dispatched", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const { client } = await connectRaw(gw.url, { scopes: ["operator.admin", "operator.approvals", "operator.pairing"] });
  t.after(() => client.close());
  for (const m of METHOD_NAMES) {
    if (!(METHODS[m].roles as readonly string[]).includes("operator")) continue;
    const res = await client.request(m, m in SAMPLE_PARAMS ? SAMPLE_PARAMS[m as SystemMethod] : {});
    assert.ok(res.ok || res.error?.code !== "FORBIDDEN", `${m}: ${JSON.stringify(res.error)}`);
    assert.ok(res.ok || !/unknown method/.test(res.error?.message ?? ""), `${m} is declared but not served`);
  }
  assertWireValid(client.frames);
});

test("health reports ok, a current ts and uptime, with or without params", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const { client } = await connectRaw(gw.url);
  t.after(() => client.close());
  const before = Date.now();
  const plain = await call(client, "health");
  const probed = await call(client, "health", { probe: false });
  for (const h of [plain, probed]) {
    assert.equal(h.ok, true);
    assert.ok(h.ts >= before && h.ts <= Date.now());
    assert.ok(h.uptimeMs >= 0);
  }
});

test("status describes this gateway and counts its open connections", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const { client } = await connectRaw(gw.url);
  t.after(() => client.close());
  const s1 = await call(client, "status");
  assert.equal(s1.url, gw.url);
  assert.equal(s1.bind, "127.0.0.1");
  assert.equal(s1.auth, "none");
  assert.equal(s1.stateDir, gw.stateDir);
  assert.equal(s1.pid, process.pid);
  assert.equal(s1.connections, 1);
  assert.deepEqual(s1.connectionsByRole, { operator: 1 });
  const other = await connectRaw(gw.url);
  const s2 = await call(client, "status");
  assert.equal(s2.connections, 2);
  assert.deepEqual(s2.connectionsByRole, { operator: 2 });
  other.client.close();
  await other.client.closed;
});

// Regression: status.port used to report the configured port (0 here), not the port actually bound.
test("status.port is the port the gateway actually listens on, as in status.url", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const { client } = await connectRaw(gw.url);
  t.after(() => client.close());
  const s = await call(client, "status");
  assert.equal(s.url, `ws://127.0.0.1:${gw.port}`);
  assert.equal(s.port, gw.port);
});

test("system-presence lists the gateway row first and the caller's row keyed by its device id", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const identity = generateIdentity();
  const { client } = await connectRaw(gw.url, { identity, mode: "ui", instanceId: "inst-1" });
  t.after(() => client.close());
  const list: PresenceEntry[] = await call(client, "system-presence");
  assert.equal(list[0]?.mode, "gateway");
  assert.equal(list[0]?.reason, "self");
  const mine = list.filter((e) => e.deviceId === identity.deviceId);
  assert.equal(mine.length, 1);
  assert.equal(mine[0]?.mode, "ui");
  assert.equal(mine[0]?.instanceId, "inst-1");
  assert.deepEqual(mine[0]?.roles, ["operator"]);
});

test("system-event updates the caller's own presence row and refuses to describe another device", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const identity = generateIdentity();
  const { client } = await connectRaw(gw.url, { identity, mode: "ui" });
  t.after(() => client.close());
  assert.deepEqual(await call(client, "system-event", { text: "idle", lastInputSeconds: 42, deviceId: identity.deviceId }), { ok: true });
  const row = (await call(client, "system-presence")).find((e) => e.deviceId === identity.deviceId);
  assert.equal(row?.text, "idle");
  assert.equal(row?.lastInputSeconds, 42);
  assert.equal(row?.reason, "system-event");

  const other = generateIdentity();
  const res = await client.request("system-event", { text: "spoof", deviceId: other.deviceId });
  assert.equal(res.ok, false);
  assert.equal(res.error?.code, "FORBIDDEN");
  const list = await call(client, "system-presence");
  assert.ok(!list.some((e) => e.deviceId === other.deviceId || e.text === "spoof"));
  assertWireValid(client.frames);
});

test("last-heartbeat is null before the first beat and set-heartbeats reports the new setting", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const { client } = await connectRaw(gw.url);
  t.after(() => client.close());
  assert.equal(await call(client, "last-heartbeat"), null);
  assert.deepEqual(await call(client, "set-heartbeats", { enabled: false }), { ok: true, enabled: false });
  assert.equal((await call(client, "status") as Record<string, unknown>)["heartbeats"], false);
  assert.deepEqual(await call(client, "set-heartbeats", { enabled: true }), { ok: true, enabled: true });
  assert.equal((await call(client, "status") as Record<string, unknown>)["heartbeats"], true);
});

test("logs.tail pages forward with its cursor, honours limit and resets on a cursor from the future", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const { client } = await connectRaw(gw.url);
  t.after(() => client.close());
  const first = await call(client, "logs.tail", {});
  assert.ok(first.lines.some((l) => l.includes("gateway listening")), first.lines.join("\n"));
  assert.equal(first.reset, false);

  const other = await connectRaw(gw.url, { mode: "ui" });
  other.client.close();
  const next = await call(client, "logs.tail", { cursor: first.cursor });
  assert.ok(next.cursor > first.cursor);
  assert.ok(next.lines.some((l) => l.includes("client connected")), next.lines.join("\n"));
  assert.ok(!next.lines.some((l) => first.lines.includes(l)), "a cursor returns only newer lines");

  const one = await call(client, "logs.tail", { cursor: 0, limit: 1 });
  assert.equal(one.lines.length, 1);
  assert.equal(one.truncated, true);

  const future = await call(client, "logs.tail", { cursor: next.cursor + 1000 });
  assert.equal(future.reset, true);
});

test("config.get redacts secrets: neither the file token nor the flag token ever reaches a client", async (t) => {
  const fileSecret = "supersecret123";
  const flagSecret = "flag-secret-456789";
  const gw = await startGateway({ file: { gateway: { auth: { token: fileSecret } } }, flags: { token: flagSecret } });
  t.after(() => gw.stop());
  const { client, res } = await connectRaw(gw.url, { token: flagSecret });
  t.after(() => client.close());
  assert.equal(res.ok, true, JSON.stringify(res));
  const cfg = await call(client, "config.get");
  assert.deepEqual(cfg.config, { gateway: { auth: { token: "[redacted]" } } });
  assert.equal(cfg.path.endsWith("clawdbot.json"), true);
  assert.equal((await call(client, "status")).auth, "token");
  await call(client, "config.schema");
  await call(client, "system-presence");
  await call(client, "logs.tail", { limit: 5000 });
  await call(client, "health");
  const wire = JSON.stringify(client.frames);
  assert.ok(!wire.includes(fileSecret), "file token leaked to a client");
  assert.ok(!wire.includes(flagSecret), "flag token leaked to a client");
  const logs = gw.logs.tail(undefined, 5000, 10_000_000).lines.join("\n");
  assert.ok(!logs.includes(fileSecret) && !logs.includes(flagSecret), "a secret was logged");
});

test("config.schema returns the JSON Schema of clawdbot.json and the gateway version", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const { client, res } = await connectRaw(gw.url);
  t.after(() => client.close());
  const out = await call(client, "config.schema");
  assert.equal(out.version, (res.payload as HelloOk).server.version);
  const schema = out.schema as Record<string, unknown>;
  const props = schema["properties"] as Record<string, unknown>;
  assert.ok(props["gateway"] && props["heartbeat"], JSON.stringify(Object.keys(props)));
  assert.equal(schema["additionalProperties"], false);
});

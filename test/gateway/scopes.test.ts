// Roles and scopes after the handshake: a method outside the connection's grant answers FORBIDDEN and
// the connection stays usable.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { HelloOk } from "@clawdbot/protocol";
import { generateIdentity } from "@clawdbot/protocol/client";
import { startGateway } from "../support/gateway.js";
import { RawClient, connectParams, connectRaw } from "../support/raw-client.js";
import { assertWireValid, isOpen } from "./wire.js";

async function assertForbidden(c: RawClient, method: string, params?: unknown): Promise<void> {
  const res = await c.request(method, params);
  assert.equal(res.ok, false, `${method} should be refused: ${JSON.stringify(res)}`);
  assert.equal(res.error?.code, "FORBIDDEN", `${method}: ${JSON.stringify(res.error)}`);
  assert.ok(isOpen(c), `${method}: the connection must stay open`);
}

async function assertAllowed(c: RawClient, method: string, params?: unknown): Promise<void> {
  const res = await c.request(method, params);
  assert.equal(res.ok, true, `${method}: ${JSON.stringify(res.error)}`);
}

test("operator.read may read but gets FORBIDDEN for write/admin methods, and the connection stays open", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const { client, res } = await connectRaw(gw.url, { scopes: ["operator.read"] });
  t.after(() => client.close());
  assert.deepEqual((res.payload as HelloOk).auth?.scopes, ["operator.read"]);
  for (const m of ["health", "status", "system-presence", "last-heartbeat"]) await assertAllowed(client, m);
  await assertForbidden(client, "config.get");
  await assertForbidden(client, "config.schema");
  await assertForbidden(client, "logs.tail");
  await assertForbidden(client, "set-heartbeats", { enabled: false });
  await assertForbidden(client, "system-event", { text: "nope" });
  const refused = await client.request("config.get");
  assert.deepEqual(refused.error?.details, { required: "operator.admin" });
  await assertAllowed(client, "health");
  // Nothing happened: heartbeats are still on.
  const status = (await client.request("status")).payload as Record<string, unknown>;
  assert.equal(status["heartbeats"], true);
  assertWireValid(client.frames);
});

test("refusal by scope is decided before params are validated (no schema hints to unauthorised callers)", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const { client } = await connectRaw(gw.url, { scopes: ["operator.read"] });
  t.after(() => client.close());
  await assertForbidden(client, "set-heartbeats", { enabled: "yes please" });
});

test("a connect that names no scopes is granted operator.read only", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const identity = generateIdentity();
  const client = await RawClient.open(gw.url);
  t.after(() => client.close());
  const params = connectParams({ identity, scopes: [], nonce: await client.challenge() });
  delete params.scopes;
  const res = await client.request("connect", params);
  assert.equal(res.ok, true, JSON.stringify(res));
  assert.deepEqual((res.payload as HelloOk).auth?.scopes, ["operator.read"]);
  await assertAllowed(client, "status");
  await assertForbidden(client, "system-event", { text: "x" });
  await assertForbidden(client, "config.get");
  const presence = (await client.request("system-presence")).payload as { deviceId?: string; scopes?: string[] }[];
  assert.deepEqual(presence.find((e) => e.deviceId === identity.deviceId)?.scopes, ["operator.read"]);
});

test("an empty scopes array is also operator.read only", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const { client, res } = await connectRaw(gw.url, { scopes: [] });
  t.after(() => client.close());
  assert.deepEqual((res.payload as HelloOk).auth?.scopes, ["operator.read"]);
  await assertAllowed(client, "health");
  await assertForbidden(client, "set-heartbeats", { enabled: true });
});

test("operator.write may call system-event but not admin methods", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const { client } = await connectRaw(gw.url, { scopes: ["operator.read", "operator.write"] });
  t.after(() => client.close());
  await assertAllowed(client, "system-event", { text: "writer" });
  await assertForbidden(client, "set-heartbeats", { enabled: false });
  await assertForbidden(client, "logs.tail");
});

test("operator.admin implies every operator scope, as existing CLIs expect", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const { client } = await connectRaw(gw.url, { scopes: ["operator.admin", "operator.approvals", "operator.pairing"] });
  t.after(() => client.close());
  for (const m of ["health", "status", "system-presence", "last-heartbeat", "config.get", "config.schema", "logs.tail"]) {
    await assertAllowed(client, m);
  }
  await assertAllowed(client, "system-event", { text: "admin" });
  await assertAllowed(client, "set-heartbeats", { enabled: true });
});

test("role node may call health but no operator-only method, whatever scopes it names", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const { client, res } = await connectRaw(gw.url, { role: "node", scopes: [] });
  t.after(() => client.close());
  assert.equal(res.ok, true, JSON.stringify(res));
  await assertAllowed(client, "health");
  await assertForbidden(client, "status");
  await assertForbidden(client, "system-event", { text: "node" });
  await assertForbidden(client, "config.get");
  await assertAllowed(client, "health");

  const greedy = await connectRaw(gw.url, { role: "node", scopes: ["operator.admin"] });
  t.after(() => greedy.client.close());
  assert.equal(greedy.res.ok, true, JSON.stringify(greedy.res));
  await assertForbidden(greedy.client, "status");
  await assertForbidden(greedy.client, "set-heartbeats", { enabled: false });
});

test("a device approved as admin that reconnects asking for read gets read only", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const identity = generateIdentity();
  const admin = await connectRaw(gw.url, { identity, scopes: ["operator.admin"] });
  await assertAllowed(admin.client, "config.get");
  admin.client.close();
  const reader = await connectRaw(gw.url, { identity, scopes: ["operator.read"] });
  t.after(() => reader.client.close());
  assert.equal(reader.res.ok, true, JSON.stringify(reader.res));
  await assertForbidden(reader.client, "config.get");
});

test("a local connect with a read-only device token asking for admin gets read-only and leaves the stored approval as it was", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const identity = generateIdentity();
  const first = await connectRaw(gw.url, { identity, scopes: ["operator.read"] });
  const deviceToken = (first.res.payload as HelloOk).auth?.deviceToken;
  assert.ok(deviceToken, "the first approved connect is handed a device token");
  first.client.close();

  const widened = await connectRaw(gw.url, { identity, scopes: ["operator.admin", "operator.read"], token: deviceToken });
  t.after(() => widened.client.close());
  assert.equal(widened.res.ok, true, JSON.stringify(widened.res));
  assert.equal((widened.res.payload as HelloOk).auth, undefined, "no new token is minted for a device-token connect");
  await assertAllowed(widened.client, "health");
  await assertForbidden(widened.client, "config.get");

  const admin = await connectRaw(gw.url, { scopes: ["operator.admin"] });
  t.after(() => admin.client.close());
  const list = (await admin.client.request("device.pair.list")).payload as { paired: { deviceId: string; scopes: string[] }[] };
  const stored = list.paired.find((d) => d.deviceId === identity.deviceId);
  assert.deepEqual(stored?.scopes, ["operator.read"], "the approval was widened by a connect that was granted nothing more");

  // The read-only token still reads, and asking for read with it gives read.
  const reader = await connectRaw(gw.url, { identity, scopes: ["operator.read"], token: deviceToken });
  t.after(() => reader.client.close());
  await assertAllowed(reader.client, "health");
  await assertForbidden(reader.client, "config.get");
});

// device.pair.requested / device.pair.resolved reach only operators holding operator.pairing (or
// admin); a connect frame replayed on another socket is refused by its nonce.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { generateIdentity } from "@clawdbot/protocol/client";
import { RawClient, connectParams } from "../support/raw-client.js";
import { assertHello, call, connect, connectOk, GATEWAY_TOKEN, pairingGateway, tokenAdmin } from "./connections.js";
import { assertForbidden, assertPairingRequired, assertRefused, NONCE_MISMATCH } from "./refusals.js";
import { approvedDevice } from "./approval.js";
import { assertNoEvent, awaitEvent, eventsOf } from "./event-watch.js";

/** A token gateway without auto-approval, with one listener per audience. */
async function audience(t: TestContext) {
  const gw = await pairingGateway(t, { token: true, autoApproveLocal: false });
  const admin = await tokenAdmin(t, gw.url);
  const as = async (scopes: string[], role: "operator" | "node" = "operator") =>
    (await approvedDevice(t, gw.url, admin, { token: GATEWAY_TOKEN, role, scopes })).client;
  return {
    gw,
    admin,
    pairing: await as(["operator.pairing"]),
    adminDevice: await as(["operator.admin"]),
    reader: await as(["operator.read"]),
    writer: await as(["operator.write"]),
    approvals: await as(["operator.approvals"]),
    node: await as([], "node"),
  };
}

test("device.pair.requested reaches operator.pairing and operator.admin holders only; once per request", async (t) => {
  const a = await audience(t);
  const newcomer = generateIdentity();
  const params = { identity: newcomer, token: GATEWAY_TOKEN, scopes: ["operator.read"], clientId: "clawdbot-macos" as const, mode: "ui" as const };
  const requestId = await assertPairingRequired(await connect(a.gw.url, params));

  const mine = (p: Record<string, unknown>) => p["requestId"] === requestId;
  for (const c of [a.pairing, a.adminDevice, a.admin]) {
    const p = await awaitEvent(c, "device.pair.requested", mine);
    assert.equal(p["deviceId"], newcomer.deviceId);
    assert.equal(p["publicKey"], newcomer.publicKey);
    assert.equal(p["role"], "operator");
    assert.deepEqual(p["scopes"], ["operator.read"]);
    assert.equal(p["clientId"], "clawdbot-macos");
    assert.equal(p["clientMode"], "ui");
    assert.equal(p["remoteIp"], "127.0.0.1");
    assert.equal(p["isRepair"], undefined);
  }
  for (const c of [a.reader, a.writer, a.approvals, a.node]) await assertNoEvent(c, "device.pair.requested", mine);

  // A repeated connect reuses the request and broadcasts nothing new.
  assert.equal(await assertPairingRequired(await connect(a.gw.url, params)), requestId);
  for (const c of [a.pairing, a.admin]) {
    await assertNoEvent(c, "device.pair.requested", () => false);
    assert.equal(eventsOf(c, "device.pair.requested", mine).length, 1);
  }
});

test("device.pair.resolved follows approve (decision approved) and reject (decision rejected), to the same audience", async (t) => {
  const a = await audience(t);
  const yes = generateIdentity();
  const no = generateIdentity();
  const yesId = await assertPairingRequired(await connect(a.gw.url, { identity: yes, token: GATEWAY_TOKEN, scopes: ["operator.read"] }));
  const noId = await assertPairingRequired(await connect(a.gw.url, { identity: no, token: GATEWAY_TOKEN, scopes: ["operator.read"] }));

  // operator.pairing alone cannot grant operator.read (and a refusal resolves nothing); the admin approves.
  await assertForbidden(a.pairing, "device.pair.approve", { requestId: yesId });
  await call(a.admin, "device.pair.approve", { requestId: yesId });
  await call(a.pairing, "device.pair.reject", { requestId: noId });

  for (const c of [a.pairing, a.adminDevice, a.admin]) {
    const y = await awaitEvent(c, "device.pair.resolved", (p) => p["requestId"] === yesId);
    assert.deepEqual({ deviceId: y["deviceId"], decision: y["decision"] }, { deviceId: yes.deviceId, decision: "approved" });
    const n = await awaitEvent(c, "device.pair.resolved", (p) => p["requestId"] === noId);
    assert.deepEqual({ deviceId: n["deviceId"], decision: n["decision"] }, { deviceId: no.deviceId, decision: "rejected" });
  }
  for (const c of [a.reader, a.writer, a.approvals, a.node]) await assertNoEvent(c, "device.pair.resolved", () => true);

  // The approved device is in; the rejected one starts over with a new request (and a new event).
  await connectOk(t, a.gw.url, { identity: yes, token: GATEWAY_TOKEN, scopes: ["operator.read"] });
  const again = await assertPairingRequired(await connect(a.gw.url, { identity: no, token: GATEWAY_TOKEN, scopes: ["operator.read"] }));
  assert.notEqual(again, noId);
  await awaitEvent(a.pairing, "device.pair.requested", (p) => p["requestId"] === again);
  // Resolving twice is NOT_FOUND.
  const twice = await a.admin.request("device.pair.approve", { requestId: noId });
  assert.equal(twice.error?.code, "NOT_FOUND");
});

test("a connect frame replayed verbatim on a new socket is refused: 'device nonce mismatch'", async (t) => {
  const gw = await pairingGateway(t);
  const first = await RawClient.open(gw.url);
  t.after(() => first.close());
  const frame = JSON.stringify({ type: "req", id: "c1", method: "connect", params: connectParams({ scopes: ["operator.admin"], nonce: await first.challenge() }) });
  first.sendRaw(frame);
  assertHello(await first.response("c1"));

  const replay = await RawClient.open(gw.url);
  await replay.challenge();
  replay.sendRaw(frame);
  await assertRefused({ client: replay, res: await replay.response("c1") }, NONCE_MISMATCH);

  // Also once the original socket is gone.
  first.close();
  await first.closed;
  const late = await RawClient.open(gw.url);
  await late.challenge();
  late.sendRaw(frame);
  await assertRefused({ client: late, res: await late.response("c1") }, NONCE_MISMATCH);
});

test("a refused connect frame replayed on a new socket is refused by nonce too, and files no pairing request", async (t) => {
  const gw = await pairingGateway(t, { token: true, autoApproveLocal: false });
  const admin = await tokenAdmin(t, gw.url);
  const identity = generateIdentity();
  const first = await RawClient.open(gw.url);
  const frame = JSON.stringify({
    type: "req",
    id: "c1",
    method: "connect",
    params: connectParams({ identity, token: GATEWAY_TOKEN, scopes: ["operator.read"], nonce: await first.challenge() }),
  });
  first.sendRaw(frame);
  const requestId = await assertPairingRequired({ client: first, res: await first.response("c1") });
  await call(admin, "device.pair.reject", { requestId });

  const replay = await RawClient.open(gw.url);
  await replay.challenge();
  replay.sendRaw(frame);
  await assertRefused({ client: replay, res: await replay.response("c1") }, NONCE_MISMATCH);
  const { pending } = await call<{ pending: { deviceId: string }[] }>(admin, "device.pair.list", {});
  assert.ok(!pending.some((r) => r.deviceId === identity.deviceId), "the replay filed a pairing request");
});

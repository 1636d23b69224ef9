// Nobody approves or mints beyond their own scopes; a connect asking for more than was approved
// files a repair request; granted scopes = requested ∩ approved (∩ the device token's scopes).
// Gateways here require a token and never auto-approve, so every device goes through approval.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { generateIdentity } from "@clawdbot/protocol/client";
import { assertHello, call, connect, connectOk, GATEWAY_TOKEN, pairingGateway, tokenAdmin } from "./connections.js";
import { assertForbidden, assertPairingRequired, assertRefused, isOpen, UNAUTHORIZED } from "./refusals.js";
import { approvedDevice, effectiveScopes, issuedToken, pairList } from "./approval.js";
import { awaitEvent } from "./event-watch.js";

async function setup(t: TestContext) {
  const gw = await pairingGateway(t, { token: true, autoApproveLocal: false });
  const admin = await tokenAdmin(t, gw.url);
  const asDevice = (scopes: string[]) => approvedDevice(t, gw.url, admin, { token: GATEWAY_TOKEN, scopes });
  return { gw, admin, asDevice };
}

test("an approver holding only operator.pairing cannot approve a request for operator.admin; it stays pending", async (t) => {
  const { gw, admin, asDevice } = await setup(t);
  const approver = await asDevice(["operator.pairing"]);
  assert.deepEqual(approver.hello.auth?.scopes, ["operator.pairing"]);

  const wanting = generateIdentity();
  const requestId = await assertPairingRequired(await connect(gw.url, { identity: wanting, token: GATEWAY_TOKEN, scopes: ["operator.admin"] }));
  const err = await assertForbidden(approver.client, "device.pair.approve", { requestId });
  assert.deepEqual(err.details, { missing: ["operator.admin"] });

  const { pending, paired } = await pairList(admin);
  assert.ok(pending.some((r) => r.requestId === requestId), "the request is still pending");
  assert.ok(!paired.some((d) => d.deviceId === wanting.deviceId), "the device was not paired");
  // The device is still refused and keeps its request.
  assert.equal(await assertPairingRequired(await connect(gw.url, { identity: wanting, token: GATEWAY_TOKEN, scopes: ["operator.admin"] })), requestId);
});

test("approved scopes must be ⊆ the approver's: operator.pairing alone cannot approve operator.read (pairing does not include read)", async (t) => {
  const { gw, admin, asDevice } = await setup(t);
  const approver = await asDevice(["operator.pairing"]);
  const reader = generateIdentity();
  const requestId = await assertPairingRequired(await connect(gw.url, { identity: reader, token: GATEWAY_TOKEN, scopes: ["operator.read"] }));
  const err = await assertForbidden(approver.client, "device.pair.approve", { requestId });
  assert.deepEqual(err.details, { missing: ["operator.read"] });
  assert.ok((await pairList(admin)).pending.some((r) => r.requestId === requestId));
});

test("operator.pairing can approve a request within its scopes (operator.pairing) and a node-role request (no operator scopes)", async (t) => {
  const { gw, asDevice } = await setup(t);
  const approver = await asDevice(["operator.pairing"]);

  const peer = generateIdentity();
  const peerReq = await assertPairingRequired(await connect(gw.url, { identity: peer, token: GATEWAY_TOKEN, scopes: ["operator.pairing"] }));
  const approved = await call<{ device: { deviceId: string; scopes: string[] } }>(approver.client, "device.pair.approve", { requestId: peerReq });
  assert.deepEqual({ id: approved.device.deviceId, scopes: approved.device.scopes }, { id: peer.deviceId, scopes: ["operator.pairing"] });
  const peerHello = (await connectOk(t, gw.url, { identity: peer, token: GATEWAY_TOKEN, scopes: ["operator.pairing"] })).hello;
  assert.deepEqual(peerHello.auth?.scopes, ["operator.pairing"]);

  const node = generateIdentity();
  const nodeReq = await assertPairingRequired(await connect(gw.url, { identity: node, token: GATEWAY_TOKEN, role: "node", scopes: [] }));
  await call(approver.client, "device.pair.approve", { requestId: nodeReq });
  const nodeHello = (await connectOk(t, gw.url, { identity: node, token: GATEWAY_TOKEN, role: "node", scopes: [] })).hello;
  assert.deepEqual(nodeHello.auth && { role: nodeHello.auth.role, scopes: nodeHello.auth.scopes }, { role: "node", scopes: [] });
});

test("self-escalation: a pairing-only device cannot approve its own repair request for operator.admin", async (t) => {
  const { gw, admin, asDevice } = await setup(t);
  const me = await asDevice(["operator.pairing"]);
  const repairId = await assertPairingRequired(
    await connect(gw.url, { identity: me.identity, token: GATEWAY_TOKEN, scopes: ["operator.pairing", "operator.admin"] }),
  );
  assert.notEqual(repairId, me.requestId);
  const err = await assertForbidden(me.client, "device.pair.approve", { requestId: repairId });
  assert.deepEqual(err.details, { missing: ["operator.admin"] });
  const dev = (await pairList(admin)).paired.find((d) => d.deviceId === me.identity.deviceId);
  assert.deepEqual(dev?.scopes, ["operator.pairing"], "the approval did not grow");
});

test("operator.pairing cannot rotate (mint, narrow) or revoke a token carrying operator.admin; the admin can narrow its own", async (t) => {
  const { gw, asDevice } = await setup(t);
  const approver = await asDevice(["operator.pairing"]);
  const boss = await asDevice(["operator.admin"]);
  const bossToken = issuedToken(boss.hello);
  const target = { deviceId: boss.identity.deviceId, role: "operator" };

  // Rotating keeps the token's scopes when none are named: [operator.admin].
  let err = await assertForbidden(approver.client, "device.token.rotate", target);
  assert.deepEqual(err.details, { missing: ["operator.admin"] });
  err = await assertForbidden(approver.client, "device.token.rotate", { ...target, scopes: ["operator.admin"] });
  assert.deepEqual(err.details, { missing: ["operator.admin"] });
  await assertForbidden(approver.client, "device.token.rotate", { ...target, scopes: ["operator.pairing", "operator.read"] });
  await assertForbidden(approver.client, "device.token.revoke", target);
  // Narrowing it to what the approver holds replaces the admin's token too: refused, naming what it carries.
  err = await assertForbidden(approver.client, "device.token.rotate", { ...target, scopes: ["operator.pairing"] });
  assert.deepEqual(err.details, { missing: ["operator.admin"] });
  assert.match(err.message, /replace this token/);

  // Nothing happened: the admin's connection is open and its token still admits it.
  assert.ok(isOpen(boss.client));
  await call(boss.client, "health");
  const again = await connectOk(t, gw.url, { identity: boss.identity, token: bossToken, scopes: ["operator.admin"] });
  assert.equal(again.hello.auth, undefined);
  assert.deepEqual(await effectiveScopes(again.client), ["operator.admin", "operator.approvals", "operator.pairing", "operator.read", "operator.write"]);

  // The admin itself may narrow its own token; afterwards the pairing-only device may replace that one.
  const down = await call<{ token: string; scopes: string[] }>(again.client, "device.token.rotate", { ...target, scopes: ["operator.pairing"] });
  assert.deepEqual(down.scopes, ["operator.pairing"]);
  await assertRefused(await connect(gw.url, { identity: boss.identity, token: bossToken, scopes: ["operator.admin"] }), UNAUTHORIZED);
  const narrowed = await connectOk(t, gw.url, { identity: boss.identity, token: down.token, scopes: ["operator.pairing"] });
  assert.deepEqual(await effectiveScopes(narrowed.client), ["operator.pairing"]);
  const again2 = await call<{ scopes: string[] }>(approver.client, "device.token.rotate", { ...target, scopes: ["operator.pairing"] });
  assert.deepEqual(again2.scopes, ["operator.pairing"]);
});

test("even an admin cannot mint a token beyond what the device was approved for", async (t) => {
  const { admin, asDevice } = await setup(t);
  const reader = await asDevice(["operator.read"]);
  const err = await assertForbidden(admin, "device.token.rotate", { deviceId: reader.identity.deviceId, role: "operator", scopes: ["operator.admin"] });
  assert.match(err.message, /approved/);
  // The reader's token was not replaced.
  await call(reader.client, "health");
});

test("asking for more scopes than approved files a repair request (isRepair:true) while the old approval keeps working", async (t) => {
  const { gw, admin, asDevice } = await setup(t);
  const dev = await asDevice(["operator.read"]);
  const wider = ["operator.read", "operator.write"];

  const repairId = await assertPairingRequired(await connect(gw.url, { identity: dev.identity, token: GATEWAY_TOKEN, scopes: wider }));
  const requested = await awaitEvent(admin, "device.pair.requested", (p) => p["requestId"] === repairId);
  assert.equal(requested["isRepair"], true);
  assert.equal(requested["deviceId"], dev.identity.deviceId);
  assert.deepEqual(requested["scopes"], wider);
  const listed = (await pairList(admin)).pending.find((r) => r.requestId === repairId);
  assert.deepEqual(listed && { isRepair: listed.isRepair, scopes: listed.scopes, role: listed.role }, { isRepair: true, scopes: wider, role: "operator" });
  assert.notEqual(repairId, dev.requestId);

  // Repeating the wider connect reuses the repair request.
  assert.equal(await assertPairingRequired(await connect(gw.url, { identity: dev.identity, token: GATEWAY_TOKEN, scopes: wider })), repairId);
  // The approved scopes still work meanwhile.
  const old = await connectOk(t, gw.url, { identity: dev.identity, token: GATEWAY_TOKEN, scopes: ["operator.read"] });
  assert.deepEqual(await effectiveScopes(old.client), ["operator.read"]);

  await call(admin, "device.pair.approve", { requestId: repairId });
  const widened = await connectOk(t, gw.url, { identity: dev.identity, token: GATEWAY_TOKEN, scopes: wider });
  assert.deepEqual(widened.hello.auth?.scopes, wider);
  assert.deepEqual(await effectiveScopes(widened.client), wider);
});

test("asking for a new role (node) on a device paired as operator files a repair request", async (t) => {
  const { gw, admin, asDevice } = await setup(t);
  const dev = await asDevice(["operator.read"]);
  const repairId = await assertPairingRequired(await connect(gw.url, { identity: dev.identity, token: GATEWAY_TOKEN, role: "node", scopes: [] }));
  const listed = (await pairList(admin)).pending.find((r) => r.requestId === repairId);
  assert.deepEqual(listed && { isRepair: listed.isRepair, role: listed.role }, { isRepair: true, role: "node" });
});

test("granted scopes = requested ∩ approved: a subset is granted as asked, unknown scopes are dropped without a repair", async (t) => {
  const { gw, admin, asDevice } = await setup(t);
  const approved = ["operator.read", "operator.write", "operator.pairing"];
  const dev = await asDevice(approved);
  assert.deepEqual(await effectiveScopes(dev.client), [...approved].sort());

  const asking = async (scopes: string[]) => {
    const c = await connect(gw.url, { identity: dev.identity, token: GATEWAY_TOKEN, scopes });
    t.after(() => c.client.close());
    assertHello(c.res);
    return effectiveScopes(c.client);
  };
  assert.deepEqual(await asking(["operator.read"]), ["operator.read"]);
  assert.deepEqual(await asking(["operator.write", "operator.pairing"]), ["operator.pairing", "operator.write"]);
  assert.deepEqual(await asking(["operator.read", "operator.bogus", "admin"]), ["operator.read"]);
  assert.ok(!(await pairList(admin)).pending.some((r) => r.deviceId === dev.identity.deviceId), "no repair request was filed");
});

test("granted scopes are also bounded by the device token: a token rotated down to operator.read grants only read", async (t) => {
  const { gw, admin, asDevice } = await setup(t);
  const dev = await asDevice(["operator.read", "operator.write"]);
  const rotated = await call<{ token: string; scopes: string[] }>(admin, "device.token.rotate", {
    deviceId: dev.identity.deviceId,
    role: "operator",
    scopes: ["operator.read"],
  });
  assert.deepEqual(rotated.scopes, ["operator.read"]);
  const viaToken = await connectOk(t, gw.url, { identity: dev.identity, token: rotated.token, scopes: ["operator.read", "operator.write"] });
  assert.equal(viaToken.hello.auth, undefined, "a device-token connect is not issued a new token");
  assert.deepEqual(await effectiveScopes(viaToken.client), ["operator.read"]);
});

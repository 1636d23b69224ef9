// Pending pairing requests: the 5-minute TTL (on the gateway's clock), rejection of a repair
// request, and silent local auto-approval.
import { test } from "node:test";
import assert from "node:assert/strict";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { generateIdentity } from "@clawdbot/protocol/client";
import { call, connect, connectOk, GATEWAY_TOKEN, pairingGateway, tokenAdmin } from "./connections.js";
import { assertPairingRequired } from "./refusals.js";
import { approvedDevice, effectiveScopes, pairList } from "./approval.js";
import { assertNoEvent, awaitEvent, eventsOf } from "./event-watch.js";

const TTL_MS = 5 * 60_000;

test("a pending request expires after 5 minutes: unlisted, not approvable, and the next connect files a new one", async (t) => {
  let offset = 0;
  const gw = await pairingGateway(t, { token: true, autoApproveLocal: false, now: () => Date.now() + offset });
  const admin = await tokenAdmin(t, gw.url);
  const device = generateIdentity();
  const ask = () => connect(gw.url, { identity: device, token: GATEWAY_TOKEN, scopes: ["operator.read"] });

  const first = await assertPairingRequired(await ask());
  await awaitEvent(admin, "device.pair.requested", (p) => p["requestId"] === first);
  offset = TTL_MS - 5_000;
  assert.ok((await pairList(admin)).pending.some((r) => r.requestId === first), "still pending just before the TTL");
  assert.equal(await assertPairingRequired(await ask()), first, "reused within the TTL");

  offset = TTL_MS + 5_000;
  assert.ok(!(await pairList(admin)).pending.some((r) => r.requestId === first), "expired requests are not listed");
  const late = await admin.request("device.pair.approve", { requestId: first });
  assert.equal(late.error?.code, "NOT_FOUND", JSON.stringify(late));

  const second = await assertPairingRequired(await ask());
  assert.notEqual(second, first);
  await awaitEvent(admin, "device.pair.requested", (p) => p["requestId"] === second);
  await call(admin, "device.pair.approve", { requestId: second });
  await connectOk(t, gw.url, { identity: device, token: GATEWAY_TOKEN, scopes: ["operator.read"] });
});

test("a device waiting for approval may reconnect often: reusing its request does not rewrite the pairing store", async (t) => {
  const gw = await pairingGateway(t, { token: true, autoApproveLocal: false });
  const device = generateIdentity();
  const ask = () => connect(gw.url, { identity: device, token: GATEWAY_TOKEN, scopes: ["operator.read"] });
  const first = await assertPairingRequired(await ask());
  const file = join(gw.stateDir, "devices", "pairing.json");
  const before = await stat(file);
  for (let i = 0; i < 5; i++) assert.equal(await assertPairingRequired(await ask()), first);
  const after = await stat(file);
  assert.deepEqual([after.ino, after.mtimeMs], [before.ino, before.mtimeMs], "an atomic rewrite would replace the file");
});

test("rejecting a repair request keeps the existing approval as it was", async (t) => {
  const gw = await pairingGateway(t, { token: true, autoApproveLocal: false });
  const admin = await tokenAdmin(t, gw.url);
  const dev = await approvedDevice(t, gw.url, admin, { token: GATEWAY_TOKEN, scopes: ["operator.read"] });
  const repair = await assertPairingRequired(await connect(gw.url, { identity: dev.identity, token: GATEWAY_TOKEN, scopes: ["operator.admin"] }));
  await call(admin, "device.pair.reject", { requestId: repair });

  const still = await connectOk(t, gw.url, { identity: dev.identity, token: GATEWAY_TOKEN, scopes: ["operator.read"] });
  assert.deepEqual(await effectiveScopes(still.client), ["operator.read"]);
  const paired = (await pairList(admin)).paired.find((d) => d.deviceId === dev.identity.deviceId);
  assert.deepEqual(paired?.scopes, ["operator.read"]);
  // Asking again files a fresh repair request.
  const again = await assertPairingRequired(await connect(gw.url, { identity: dev.identity, token: GATEWAY_TOKEN, scopes: ["operator.admin"] }));
  assert.notEqual(again, repair);
});

test("local auto-approval is silent: no device.pair.requested, nothing left pending", async (t) => {
  const gw = await pairingGateway(t);
  const watcher = (await connectOk(t, gw.url, { scopes: ["operator.admin"] })).client;
  const device = generateIdentity();
  await connectOk(t, gw.url, { identity: device, scopes: ["operator.write"] });
  await assertNoEvent(watcher, "device.pair.requested", () => true);
  assert.deepEqual(eventsOf(watcher, "device.pair.resolved"), []);
  const { pending, paired } = await pairList(watcher);
  assert.deepEqual(pending, []);
  assert.ok(paired.some((d) => d.deviceId === device.deviceId));
});

test("autoApproveLocal:false: a loopback device waits like any other, its request records 127.0.0.1", async (t) => {
  const gw = await pairingGateway(t, { token: true, autoApproveLocal: false });
  const admin = await tokenAdmin(t, gw.url);
  const device = generateIdentity();
  const requestId = await assertPairingRequired(await connect(gw.url, { identity: device, token: GATEWAY_TOKEN, scopes: ["operator.read"] }));
  const req = (await pairList(admin)).pending.find((r) => r.requestId === requestId);
  assert.deepEqual(req && { deviceId: req.deviceId, remoteIp: req.remoteIp, isRepair: req.isRepair }, {
    deviceId: device.deviceId,
    remoteIp: "127.0.0.1",
    isRepair: undefined,
  });
  await assertNoEvent(admin, "device.pair.resolved", () => true);
});

test("simultaneous first connects of one device file a single request and a single event", async (t) => {
  const gw = await pairingGateway(t, { token: true, autoApproveLocal: false });
  const admin = await tokenAdmin(t, gw.url);
  const device = generateIdentity();
  const attempts = await Promise.all(
    Array.from({ length: 4 }, () => connect(gw.url, { identity: device, token: GATEWAY_TOKEN, scopes: ["operator.read"] })),
  );
  const ids = await Promise.all(attempts.map((a) => assertPairingRequired(a)));
  assert.equal(new Set(ids).size, 1, `request ids: ${ids.join(", ")}`);
  await assertNoEvent(admin, "device.pair.requested", () => false);
  assert.equal(eventsOf(admin, "device.pair.requested", (p) => p["deviceId"] === device.deviceId).length, 1);
  assert.equal((await pairList(admin)).pending.filter((r) => r.deviceId === device.deviceId).length, 1);
});

test("two approvers approving the same request at once: one succeeds, the other gets NOT_FOUND; one resolved event", async (t) => {
  const gw = await pairingGateway(t, { token: true, autoApproveLocal: false });
  const one = await tokenAdmin(t, gw.url);
  const two = await tokenAdmin(t, gw.url);
  const device = generateIdentity();
  const requestId = await assertPairingRequired(await connect(gw.url, { identity: device, token: GATEWAY_TOKEN, scopes: ["operator.read"] }));
  const answers = await Promise.all([one.request("device.pair.approve", { requestId }), two.request("device.pair.approve", { requestId })]);
  assert.deepEqual(answers.map((a) => (a.ok ? "ok" : a.error?.code)).sort(), ["NOT_FOUND", "ok"]);
  await assertNoEvent(one, "device.pair.resolved", () => false);
  assert.equal(eventsOf(one, "device.pair.resolved", (p) => p["requestId"] === requestId).length, 1);
});

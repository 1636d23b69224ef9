// node.pair.request|list|approve|reject|verify: a store separate from device pairing, with
// node.pair.requested / node.pair.resolved events for operators holding operator.pairing.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { call, connectOk, pairingGateway } from "./connections.js";
import { pairList } from "./approval.js";
import { assertNoEvent, awaitEvent, eventsOf } from "./event-watch.js";
import { assertStoreKeepsSecrets, nodesFile } from "./store-files.js";

interface NodeRequest {
  requestId: string;
  nodeId: string;
  displayName?: string;
  caps?: string[];
  commands?: string[];
  ts: number;
}

async function setup(t: TestContext) {
  const gw = await pairingGateway(t);
  const open = async (scopes: string[]) => (await connectOk(t, gw.url, { scopes })).client;
  return { gw, admin: await open(["operator.admin"]), pairing: await open(["operator.pairing"]), reader: await open(["operator.read"]) };
}

const claim = (nodeId: string) => ({
  nodeId,
  displayName: "Kitchen iPad",
  platform: "ios",
  version: "2.1.0",
  caps: ["canvas", "camera"],
  commands: ["canvas.navigate", "camera.snap"],
});

test("request → requested event → list → approve (token once) → resolved event → verify ok; a wrong token verifies ok:false", async (t) => {
  const { gw, admin, pairing, reader } = await setup(t);
  const nodeId = `node-${randomUUID()}`;

  const filed = await call<{ status: string; created: boolean; request: NodeRequest }>(pairing, "node.pair.request", claim(nodeId));
  assert.equal(filed.status, "pending");
  assert.equal(filed.created, true);
  const { requestId } = filed.request;
  assert.deepEqual({ nodeId: filed.request.nodeId, caps: filed.request.caps }, { nodeId, caps: ["canvas", "camera"] });

  const mine = (p: Record<string, unknown>) => p["requestId"] === requestId;
  for (const c of [admin, pairing]) {
    const p = await awaitEvent(c, "node.pair.requested", mine);
    assert.deepEqual({ nodeId: p["nodeId"], displayName: p["displayName"], commands: p["commands"] }, {
      nodeId,
      displayName: "Kitchen iPad",
      commands: ["canvas.navigate", "camera.snap"],
    });
  }
  await assertNoEvent(reader, "node.pair.requested", mine);

  // Filing again reuses the request and broadcasts nothing.
  const again = await call<{ created: boolean; request: NodeRequest }>(admin, "node.pair.request", claim(nodeId));
  assert.deepEqual({ created: again.created, requestId: again.request.requestId }, { created: false, requestId });
  await assertNoEvent(pairing, "node.pair.requested", () => false);
  assert.equal(eventsOf(pairing, "node.pair.requested", mine).length, 1);

  const listed = await call<{ pending: NodeRequest[]; paired: unknown[] }>(pairing, "node.pair.list", {});
  assert.ok(listed.pending.some((r) => r.requestId === requestId));
  // A separate store: device pairing knows nothing of it.
  const devices = await pairList(admin);
  assert.ok(!devices.pending.some((r) => r.requestId === requestId || r.deviceId === nodeId));

  const approved = await call<{ requestId: string; node: Record<string, unknown>; token: string }>(pairing, "node.pair.approve", { requestId });
  assert.equal(approved.node["nodeId"], nodeId);
  assert.equal("tokenHash" in approved.node, false);
  assert.ok(Buffer.from(approved.token, "base64url").length >= 32);
  for (const c of [admin, pairing]) {
    const p = await awaitEvent(c, "node.pair.resolved", mine);
    assert.deepEqual({ nodeId: p["nodeId"], decision: p["decision"] }, { nodeId, decision: "approved" });
  }
  await assertNoEvent(reader, "node.pair.resolved", mine);

  const after = await call<{ pending: NodeRequest[]; paired: Record<string, unknown>[] }>(admin, "node.pair.list", {});
  assert.ok(!after.pending.some((r) => r.requestId === requestId));
  const paired = after.paired.find((n) => n["nodeId"] === nodeId);
  assert.ok(paired, "the node is listed as paired");
  assert.equal("tokenHash" in paired, false);
  assert.ok(!JSON.stringify(after).includes(approved.token));

  const ok = await call<{ ok: boolean; node?: Record<string, unknown> }>(pairing, "node.pair.verify", { nodeId, token: approved.token });
  assert.equal(ok.ok, true);
  assert.equal(ok.node?.["nodeId"], nodeId);
  const wrong = await call<{ ok: boolean; node?: unknown }>(pairing, "node.pair.verify", { nodeId, token: `${approved.token}x` });
  assert.deepEqual(wrong, { ok: false });
  const stranger = await call<{ ok: boolean }>(pairing, "node.pair.verify", { nodeId: `node-${randomUUID()}`, token: approved.token });
  assert.deepEqual(stranger, { ok: false });

  await assertStoreKeepsSecrets(nodesFile(gw), [approved.token]);
});

test("reject → resolved (rejected); the node does not verify; approving or rejecting again is NOT_FOUND", async (t) => {
  const { admin, pairing, reader } = await setup(t);
  const nodeId = `node-${randomUUID()}`;
  const { request } = await call<{ request: NodeRequest }>(admin, "node.pair.request", claim(nodeId));
  const mine = (p: Record<string, unknown>) => p["requestId"] === request.requestId;
  await awaitEvent(pairing, "node.pair.requested", mine);

  const rejected = await call<{ requestId: string; nodeId: string }>(pairing, "node.pair.reject", { requestId: request.requestId });
  assert.deepEqual(rejected, { requestId: request.requestId, nodeId });
  const p = await awaitEvent(admin, "node.pair.resolved", mine);
  assert.equal(p["decision"], "rejected");
  await assertNoEvent(reader, "node.pair.resolved", mine);

  const list = await call<{ pending: NodeRequest[]; paired: { nodeId: string }[] }>(admin, "node.pair.list", {});
  assert.ok(!list.pending.some((r) => r.requestId === request.requestId));
  assert.ok(!list.paired.some((n) => n.nodeId === nodeId));
  assert.deepEqual(await call(admin, "node.pair.verify", { nodeId, token: "x".repeat(43) }), { ok: false });
  for (const m of ["node.pair.approve", "node.pair.reject"]) {
    const res = await admin.request(m, { requestId: request.requestId });
    assert.equal(res.error?.code, "NOT_FOUND", `${m}: ${JSON.stringify(res)}`);
  }
});

test("re-approving a node issues a new token; the previous one stops verifying", async (t) => {
  const { admin } = await setup(t);
  const nodeId = `node-${randomUUID()}`;
  const approveOnce = async () => {
    const { request } = await call<{ request: NodeRequest }>(admin, "node.pair.request", claim(nodeId));
    return (await call<{ token: string }>(admin, "node.pair.approve", { requestId: request.requestId })).token;
  };
  const first = await approveOnce();
  const second = await approveOnce();
  assert.notEqual(first, second);
  assert.deepEqual(await call(admin, "node.pair.verify", { nodeId, token: first }), { ok: false });
  assert.equal((await call<{ ok: boolean }>(admin, "node.pair.verify", { nodeId, token: second })).ok, true);
});

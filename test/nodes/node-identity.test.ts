// A node is its device: it proves its key on connect, its node id is its device id, and only a
// connection proving the same key can take over its link.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { generateIdentity, type DeviceIdentity } from "@clawdbot/protocol/client";
import { startGateway } from "../support/gateway.js";
import { RawClient, closedWithin, isOpen, nodeConnectParams, type ConnectOptions, type Frame } from "../support/raw-client.js";
import { connectRaw } from "../support/raw-client.js";

const TOKEN = "node-identity-gateway-token";

/** Opens a socket as role "node" declaring system.info; returns the client and the connect response. */
async function nodeConnect(url: string, o: ConnectOptions): Promise<{ client: RawClient; res: Frame }> {
  const client = await RawClient.open(url);
  const nonce = await client.challenge();
  const params = nodeConnectParams({ nonce, ...o }, ["system.info"]);
  return { client, res: await client.request("connect", params) };
}

async function realNode(t: TestContext, url: string, identity: DeviceIdentity, instanceId: string): Promise<RawClient> {
  const { client, res } = await nodeConnect(url, { identity, token: TOKEN, instanceId });
  t.after(() => client.close());
  assert.equal(res.ok, true, JSON.stringify(res.error));
  return client;
}

/** A local admin operator (signed, auto-approved) speaking raw frames. */
async function operator(t: TestContext, url: string): Promise<RawClient> {
  const { client, res } = await connectRaw(url, { token: TOKEN, scopes: ["operator.admin"] });
  t.after(() => client.close());
  assert.equal(res.ok, true, JSON.stringify(res.error));
  return client;
}

let keys = 0;
/** node.invoke from a raw operator; resolves with the response frame. */
function invoke(op: RawClient, nodeId: string, command: string, params?: unknown): Promise<Frame> {
  return op.request("node.invoke", { nodeId, command, idempotencyKey: `k${++keys}`, ...(params !== undefined ? { params } : {}) }, 15_000);
}

/** Answers the next node.invoke.request on `node` with `payload`. */
async function answerNext(node: RawClient, nodeId: string, payload: unknown): Promise<Record<string, unknown>> {
  const req = (await node.event("node.invoke.request", 10_000)).payload as Record<string, unknown>;
  const res = await node.request("node.invoke.result", { id: req["id"], nodeId, ok: true, payload });
  assert.equal(res.ok, true, JSON.stringify(res.error));
  return req;
}

test("a node connect with the gateway secret but no device identity is refused 'device identity required'", async (t) => {
  const gw = await startGateway({ flags: { token: TOKEN } });
  t.after(() => gw.stop());
  const { client, res } = await nodeConnect(gw.url, { identity: null, token: TOKEN, instanceId: "any" });
  assert.equal(res.ok, false);
  assert.equal(res.error?.code, "INVALID_REQUEST");
  assert.match(res.error?.message ?? "", /device identity required/);
  assert.deepEqual(await closedWithin(client), { code: 1008, reason: "device identity required" });
});

test("an impostor using the real node's instanceId (no identity) cannot take its link; invokes still reach the real node", async (t) => {
  const gw = await startGateway({ flags: { token: TOKEN } });
  t.after(() => gw.stop());
  const identity = generateIdentity();
  const real = await realNode(t, gw.url, identity, "kitchen-mac");
  const op = await operator(t, gw.url);
  // The impostor claims the same instanceId and even the real node's device id as instanceId.
  for (const instanceId of ["kitchen-mac", identity.deviceId]) {
    const impostor = await nodeConnect(gw.url, { identity: null, token: TOKEN, instanceId });
    assert.equal(impostor.res.ok, false, "the impostor was admitted");
    await closedWithin(impostor.client);
    assert.equal(impostor.client.frames.some((f) => f.event === "node.invoke.request"), false);
  }
  const pending = invoke(op, identity.deviceId, "system.info", { secret: "for the real node" });
  const req = await answerNext(real, identity.deviceId, { who: "real" });
  assert.equal(req["nodeId"], identity.deviceId);
  assert.deepEqual((await pending).payload, { ok: true, nodeId: identity.deviceId, command: "system.info", payload: { who: "real" } });
  assert.ok(isOpen(real));
});

test("a connection claiming the node's device id with another key is refused; the same key replaces the link", async (t) => {
  const gw = await startGateway({ flags: { token: TOKEN } });
  t.after(() => gw.stop());
  const identity = generateIdentity();
  const first = await realNode(t, gw.url, identity, "n1");
  const op = await operator(t, gw.url);
  // Another key with the real node's device id: its own id does not match its key.
  const other = generateIdentity();
  const forged = await nodeConnect(gw.url, { identity: { ...other, deviceId: identity.deviceId }, token: TOKEN });
  assert.equal(forged.res.ok, false, "a different key took the node's id");
  await closedWithin(forged.client);
  // The same key (a reconnect of the real node) replaces the link: invokes go to the new socket.
  const second = await realNode(t, gw.url, identity, "n1");
  const pending = invoke(op, identity.deviceId, "system.info");
  await answerNext(second, identity.deviceId, { via: "second" });
  assert.deepEqual(((await pending).payload as { payload: unknown }).payload, { via: "second" });
  assert.equal(first.frames.some((f) => f.event === "node.invoke.request"), false);
  const nodes = (await op.request("node.list", {})).payload as { nodes: { nodeId: string; connected: boolean }[] };
  assert.deepEqual(
    nodes.nodes.filter((n) => n.connected).map((n) => n.nodeId),
    [identity.deviceId],
  );
});

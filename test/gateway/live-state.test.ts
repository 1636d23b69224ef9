// Per-connection state is released when connections go, however they go: closed politely, cut
// without a close frame, mid-handshake, or with invokes still waiting on a node. Checked on the
// gateway's own structures (Gateway.liveState), so a leak shows as a count, not as memory.
import { test } from "node:test";
import assert from "node:assert/strict";
import { generateIdentity, type DeviceIdentity } from "@clawdbot/protocol/client";
import { startGateway, type TestGateway } from "../support/gateway.js";
import { RawClient, connectParams, connectRaw, nodeConnectParams } from "../support/raw-client.js";
import { eventually } from "../support/wait.js";

const ZERO = { connections: 0, eventSinks: 0, presenceRows: 0, nodeLinks: 0, pendingInvokes: 0 };

async function rawNode(url: string, identity: DeviceIdentity): Promise<RawClient> {
  const client = await RawClient.open(url);
  const nonce = await client.challenge();
  const res = await client.request("connect", nodeConnectParams({ identity, nonce }, ["system.info"]));
  assert.equal(res.ok, true, JSON.stringify(res.error));
  return client;
}

/** One round: 3 nodes, 10 operator sockets (two sharing a device), invokes left waiting, half-open handshakes; then everyone leaves. */
async function round(gw: TestGateway, nodeIds: DeviceIdentity[], shared: DeviceIdentity, n: number): Promise<void> {
  const nodes = await Promise.all(nodeIds.map((id) => rawNode(gw.url, id)));
  const ops: RawClient[] = [];
  for (let i = 0; i < 10; i++) {
    const { client, res } = await connectRaw(gw.url, { identity: i < 2 ? shared : generateIdentity(), scopes: ["operator.admin"] });
    assert.equal(res.ok, true, JSON.stringify(res));
    ops.push(client);
  }
  // Each operator asks a node for something the node never answers.
  ops.forEach((op, i) =>
    op.sendRaw(JSON.stringify({ type: "req", id: `inv${i}`, method: "node.invoke", params: { nodeId: nodeIds[i % 3]!.deviceId, command: "system.info", idempotencyKey: `r${n}-${i}`, timeoutMs: 600_000 } })),
  );
  await Promise.all(nodes.map((node, k) => node.next((f) => f.event === "node.invoke.request" && nodes[k]!.frames.filter((x) => x.event === "node.invoke.request").length >= (k === 0 ? 4 : 3))));
  assert.deepEqual(
    gw.gateway.liveState(),
    { connections: 13, eventSinks: 13, presenceRows: 12, nodeLinks: 3, pendingInvokes: 10 },
    "two sockets of one device share a presence row; every node and operator subscribes to events",
  );
  // Sockets that never finish their handshake: one silent, one cut while its connect may still be checked.
  const silent = await RawClient.open(gw.url);
  const checking = await RawClient.open(gw.url);
  checking.sendRaw(JSON.stringify({ type: "req", id: "c", method: "connect", params: connectParams({ nonce: await checking.challenge() }) }));

  // Half leave with a close frame, half vanish; the same for nodes and the unfinished handshakes.
  [...ops, ...nodes].forEach((c, i) => (i % 2 === 0 ? c.close() : c.terminate()));
  silent.terminate();
  checking.terminate();
  await eventually("every socket closed on the gateway's side", () => gw.gateway.liveState().connections === 0, 60_000);
  assert.deepEqual(gw.gateway.liveState(), ZERO);
}

test("after every kind of departure the gateway holds no sockets, subscribers, presence rows, node links or waiting invokes", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  assert.deepEqual(gw.gateway.liveState(), ZERO);
  const nodeIds = [generateIdentity(), generateIdentity(), generateIdentity()];
  const shared = generateIdentity();
  // Twice: the same devices coming back find nothing left over from their last visit.
  await round(gw, nodeIds, shared, 1);
  await round(gw, nodeIds, shared, 2);
});

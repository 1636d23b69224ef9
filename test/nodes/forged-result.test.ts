// node.invoke.result is accepted only from the node (and socket) the request went to.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { generateIdentity } from "@clawdbot/protocol/client";
import { startGateway } from "../support/gateway.js";
import { RawClient, nodeConnectParams, type Frame } from "../support/raw-client.js";
import { connectOperator, invoke } from "./support/node-host.js";

/** A raw node socket we drive by hand: connect as role "node" declaring `commands`. */
async function rawNode(t: TestContext, url: string, commands: string[]): Promise<{ client: RawClient; nodeId: string }> {
  const identity = generateIdentity();
  const client = await RawClient.open(url);
  t.after(() => client.close());
  const nonce = await client.challenge();
  const res = await client.request("connect", nodeConnectParams({ identity, nonce }, commands));
  assert.equal(res.ok, true, JSON.stringify(res.error));
  return { client, nodeId: identity.deviceId };
}

function invokeRequest(node: RawClient): Promise<Frame> {
  return node.event("node.invoke.request", 10_000);
}

test("a forged node.invoke.result from another node is rejected; the real node's answer gets through once", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const a = await rawNode(t, gw.url, ["system.info"]);
  const b = await rawNode(t, gw.url, ["system.info"]);
  const op = await connectOperator(t, gw.url);
  const pending = invoke(op, a.nodeId, "system.info", { detail: 1 });
  const req = (await invokeRequest(a.client)).payload as { id: string; nodeId: string; command: string; paramsJSON?: string };
  assert.equal(req.nodeId, a.nodeId);
  assert.equal(req.command, "system.info");
  assert.deepEqual(JSON.parse(req.paramsJSON ?? "null"), { detail: 1 });
  assert.equal(b.client.frames.some((f) => f.event === "node.invoke.request"), false, "the request went to A only");

  // B claims to answer as A, then as itself: both refused, and the operator is still waiting.
  for (const nodeId of [a.nodeId, b.nodeId]) {
    const forged = await b.client.request("node.invoke.result", { id: req.id, nodeId, ok: true, payload: { forged: true } });
    assert.equal(forged.ok, false);
    assert.equal(forged.error?.code, "FORBIDDEN");
  }
  const real = await a.client.request("node.invoke.result", { id: req.id, nodeId: a.nodeId, ok: true, payload: { hostname: "node-a" } });
  assert.equal(real.ok, true, JSON.stringify(real.error));
  const result = await pending;
  assert.deepEqual(result.payload, { hostname: "node-a" });
  // The id is used up: a second answer, even from A, is refused.
  const twice = await a.client.request("node.invoke.result", { id: req.id, nodeId: a.nodeId, ok: true, payload: {} });
  assert.equal(twice.error?.code, "FORBIDDEN");
});

// node.list / node.describe / node.pair.list: the keys the reference apps read.
import { test } from "node:test";
import assert from "node:assert/strict";
import { check, METHODS } from "@clawdbot/protocol";
import { spawnNodeHost, waitForNodes } from "../nodes/support/node-host.js";
import { eventually } from "../support/wait.js";
import { compatGateway } from "./support.js";

test("node.list and node.describe carry paired and coreVersion; node.pair.list paired entries carry lastConnectedAtMs", async (t) => {
  const { gw, op } = await compatGateway(t);
  const node = await spawnNodeHost(t, { url: gw.url, displayName: "paired-box" });
  const [listed] = await waitForNodes(op.client, (ns) => ns.some((n) => n.nodeId === node.nodeId && n.connected));
  assert.equal(check(METHODS["node.list"].result, { ts: 1, nodes: [listed] }).ok, true);
  assert.equal(listed!.paired, true, "the node host's device pairing was approved (local auto-approval)");
  assert.equal(typeof listed!.coreVersion, "string");
  const described = await op.client.call("node.describe", { nodeId: node.nodeId });
  assert.equal(described.paired, true);
  assert.equal(described.coreVersion, listed!.coreVersion);

  // A node pairing record for the same id: its paired entry says when that node was last connected.
  const req = await op.client.call("node.pair.request", { nodeId: node.nodeId, displayName: "paired-box", coreVersion: "1.2.3" });
  await op.client.call("node.pair.approve", { requestId: req.request.requestId });
  const connected = (await op.client.call("node.pair.list", {})).paired.find((p) => p.nodeId === node.nodeId);
  assert.equal(typeof connected?.lastConnectedAtMs, "number");
  node.child.kill("SIGKILL");
  await eventually("node gone", async () => (await op.client.call("node.describe", { nodeId: node.nodeId })).connected === false, 30_000);
  const gone = await op.client.call("node.describe", { nodeId: node.nodeId });
  const after = (await op.client.call("node.pair.list", {})).paired.find((p) => p.nodeId === node.nodeId);
  assert.equal(after?.lastConnectedAtMs, gone.lastSeenAtMs, "the moment its connection ended");

  const unpaired = await op.client.call("node.pair.request", { nodeId: "n-never", displayName: "never" });
  await op.client.call("node.pair.approve", { requestId: unpaired.request.requestId });
  const never = (await op.client.call("node.pair.list", {})).paired.find((p) => p.nodeId === "n-never");
  assert.equal(never?.lastConnectedAtMs, undefined, "never connected: no time");
});

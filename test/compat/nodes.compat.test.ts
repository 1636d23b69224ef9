// node.list / node.describe / node.pair.*: the keys the reference apps read, coreVersion and uiVersion included.
import { test } from "node:test";
import assert from "node:assert/strict";
import { check, METHODS } from "@clawdbot/protocol";
import { spawnNodeHost, waitForNodes } from "../nodes/support/node-host.js";
import { eventually } from "../support/wait.js";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startGateway } from "../support/gateway.js";
import { compatGateway, operator } from "./support.js";

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
  const req = await op.client.call("node.pair.request", { nodeId: node.nodeId, displayName: "paired-box", coreVersion: "1.2.3", uiVersion: "4.5.6" });
  await op.client.call("node.pair.approve", { requestId: req.request.requestId });
  const connected = (await op.client.call("node.pair.list", {})).paired.find((p) => p.nodeId === node.nodeId);
  assert.equal(typeof connected?.lastConnectedAtMs, "number");
  // The versions it declared when it asked to pair are what operators see.
  const versions = await op.client.call("node.describe", { nodeId: node.nodeId });
  assert.equal(versions.coreVersion, "1.2.3");
  assert.equal(versions.uiVersion, "4.5.6");
  const relisted = (await op.client.call("node.list", {})).nodes.find((n) => n.nodeId === node.nodeId);
  assert.deepEqual([relisted?.coreVersion, relisted?.uiVersion], ["1.2.3", "4.5.6"]);
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

test("node.pair.request keeps coreVersion and uiVersion: in the answer, the requested event, the pending list and the paired node, also after a restart", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "clawdbot-compat-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const { gw, op } = await compatGateway(t, { stateDir: dir });
  const claim = { nodeId: "n-versions", displayName: "ipad", platform: "ipados", version: "2026.1.5", coreVersion: "2026.1.5-core", uiVersion: "2026.1.5-ui" };
  const filed = await op.client.call("node.pair.request", claim);
  assert.equal(filed.request.coreVersion, "2026.1.5-core");
  assert.equal(filed.request.uiVersion, "2026.1.5-ui");
  const ev = await op.event((e) => e.event === "node.pair.requested" && (e.payload as { nodeId?: string }).nodeId === "n-versions", "node.pair.requested");
  assert.equal((ev.payload as { coreVersion?: string }).coreVersion, "2026.1.5-core");
  assert.equal((ev.payload as { uiVersion?: string }).uiVersion, "2026.1.5-ui");
  const pending = (await op.client.call("node.pair.list", {})).pending.find((p) => p.nodeId === "n-versions");
  assert.deepEqual([pending?.coreVersion, pending?.uiVersion], ["2026.1.5-core", "2026.1.5-ui"]);
  const approved = await op.client.call("node.pair.approve", { requestId: filed.request.requestId });
  assert.deepEqual([approved.node.coreVersion, approved.node.uiVersion], ["2026.1.5-core", "2026.1.5-ui"]);
  // The next gateway on the same state reads them from the pairing store.
  await gw.stop();
  const again = await startGateway({ stateDir: gw.stateDir });
  t.after(() => again.stop());
  const op2 = await operator(t, again.url);
  const paired = (await op2.client.call("node.pair.list", {})).paired.find((p) => p.nodeId === "n-versions");
  assert.deepEqual([paired?.version, paired?.coreVersion, paired?.uiVersion], ["2026.1.5", "2026.1.5-core", "2026.1.5-ui"]);
});

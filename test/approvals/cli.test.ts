// `clawdbot approvals get|set [--node]`, `approvals resolve` and `nodes run` in the built CLI.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ExecApprovalsSnapshot } from "@clawdbot/protocol";
import { jsonOut, runCli, tempDir } from "../cli/run-cli.js";
import { gateway } from "../nodes/support/fixtures.js";
import { waitForNodes } from "../nodes/support/node-host.js";
import { policedNode, watchingOperator } from "./support.js";

test("approvals get|set for the gateway and a node, hash-guarded; nodes run goes through an operator's approval", async (t) => {
  const gw = await gateway(t);
  const approver = await watchingOperator(t, gw.url, ["operator.approvals", "operator.read"]);
  const { node, script, marks } = await policedNode(t, gw.url, null);
  await waitForNodes(approver.client, (nodes) => nodes.some((n) => n.nodeId === node.nodeId && n.connected));
  const stateDir = await tempDir(t, "clawdbot-op-");
  const cli = (...args: string[]) => runCli([...args, "--url", gw.url], { stateDir, killAfterMs: 60_000 });
  // Everything after `--` is the program's argv, so the connection flags go first.
  const nodesRun = (...args: string[]) => runCli(["nodes", "run", "--url", gw.url, ...args], { stateDir, killAfterMs: 60_000 });

  const before = await cli("approvals", "get", "--json");
  assert.equal(before.code, 0, before.stderr);
  assert.equal(jsonOut<ExecApprovalsSnapshot>(before).exists, false);
  const human = await cli("approvals", "get");
  assert.match(human.stdout, /^gateway exec approvals: .*exec-approvals\.json \(no file yet/);

  const work = await tempDir(t);
  const policy = join(work, "policy.json5");
  await writeFile(policy, "{ version: 1, defaults: { security: 'full', ask: 'always' }, // JSON5\n }");
  const set = await cli("approvals", "set", "--node", "runner", "--file", policy, "--json");
  assert.equal(set.code, 0, set.stderr);
  assert.equal(jsonOut<ExecApprovalsSnapshot>(set).file.defaults?.ask, "always");
  const onNode = JSON.parse(await readFile(join(node.stateDir, "node", "exec-approvals.json"), "utf8")) as { defaults: { ask: string } };
  assert.equal(onNode.defaults.ask, "always", "written by the node host into its own file");
  const stale = await cli("approvals", "set", "--node", "runner", "--file", policy, "--base-hash", "0".repeat(64), "--json");
  assert.equal(stale.code, 7);
  assert.match(jsonOut<{ error: { message: string } }>(stale).error.message, /changed since it was read/);
  const bad = await cli("approvals", "set", "--file", join(work, "missing.json"));
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^clawdbot: cannot read --file/);

  const ran = nodesRun("runner", "--", script);
  const req = await approver.nextRequest();
  assert.equal(req.request.command, script);
  const resolved = await cli("approvals", "resolve", req.id, "allow-once");
  assert.equal(resolved.code, 0, resolved.stderr);
  const out = await ran;
  assert.equal(out.code, 0, out.stderr);
  assert.equal(out.stdout, "marked\n");
  assert.equal((await readFile(marks, "utf8")).trim(), "ran");

  const denied = nodesRun("runner", "--json", "--", "echo", "no");
  await approver.client.call("exec.approval.resolve", { id: (await approver.nextRequest()).id, decision: "deny" });
  const refused = await denied;
  assert.equal(refused.code, 7);
  assert.equal(jsonOut<{ error: { code: string } }>(refused).error.code, "FORBIDDEN");
  const nothing = await nodesRun("runner");
  assert.equal(nothing.code, 2);
});

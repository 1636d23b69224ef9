// Exec approvals end to end: a real node host with its own policy, operators answering through
// the gateway, the decision carried in the envelope the gateway builds.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { GatewayClient } from "@clawdbot/protocol/client";
import { gateway, rejection } from "../nodes/support/fixtures.js";
import { waitForNodes } from "../nodes/support/node-host.js";
import { policedNode, watchingOperator, type WatchingOperator } from "./support.js";

const ASK_ALWAYS = { version: 1, defaults: { security: "full", ask: "always" } };

async function lines(path: string): Promise<number> {
  return (await readFile(path, "utf8").catch(() => "")).split("\n").filter(Boolean).length;
}

function run(op: GatewayClient, nodeId: string, argv: string[], extra: Record<string, unknown> = {}, timeoutMs = 120_000) {
  return op.call("node.invoke", { nodeId, command: "system.run", params: { argv, ...extra }, timeoutMs, idempotencyKey: randomUUID() });
}

async function setup(t: Parameters<typeof gateway>[0], policy: unknown = ASK_ALWAYS) {
  const gw = await gateway(t);
  const approver = await watchingOperator(t, gw.url, ["operator.approvals"]);
  const writer = await watchingOperator(t, gw.url, ["operator.write", "operator.read"]);
  const admin = await watchingOperator(t, gw.url, ["operator.admin"]);
  const n = await policedNode(t, gw.url, policy);
  await waitForNodes(admin.client, (nodes) => nodes.some((x) => x.nodeId === n.node.nodeId && x.connected));
  return { gw, approver, writer, admin, ...n };
}

async function answer(op: WatchingOperator, decision: "allow-once" | "allow-always" | "deny") {
  const req = await op.nextRequest();
  await op.client.call("exec.approval.resolve", { id: req.id, decision });
  return req;
}

test("ask: always — the request reaches approvers; allow-once runs exactly once; the next run asks again and a deny runs nothing", async (t) => {
  const { approver, writer, node, script, marks } = await setup(t);
  const first = run(writer.client, node.nodeId, [script]);
  const req = await answer(approver, "allow-once");
  assert.equal(req.request.command, script);
  assert.equal(req.request.host, "node:runner");
  assert.ok(req.expiresAtMs > req.createdAtMs);
  const out = (await first).payload as { stdout: string; exitCode: number };
  assert.equal(out.stdout, "marked\n");
  assert.equal(await lines(marks), 1, "ran once");
  assert.ok(!writer.events.some((e) => e.event === "exec.approval.requested"), "operators without operator.approvals are not asked");
  assert.ok(approver.events.some((e) => e.event === "exec.approval.resolved" && (e.payload as { id: string }).id === req.id));

  const second = run(writer.client, node.nodeId, [script]);
  const denied = await answer(approver, "deny");
  assert.notEqual(denied.id, req.id, "an allow-once approval is not reused");
  const err = await rejection(second);
  assert.equal(err.code, "FORBIDDEN");
  assert.match(err.message, /denied/);
  assert.equal(await lines(marks), 1, "nothing ran after the deny");
});

test("no answer within the timeout is a denial; nothing runs", async (t) => {
  const { approver, writer, node, script, marks } = await setup(t);
  const err = await rejection(run(writer.client, node.nodeId, [script], {}, 1500));
  assert.equal(err.code, "FORBIDDEN");
  assert.match(err.message, /not approved in time/);
  assert.equal((await approver.nextRequest()).request.command, script, "it was asked");
  assert.equal(await lines(marks), 0);
});

test("an approval smuggled in node.invoke params changes nothing", async (t) => {
  const { approver, writer, node, script, marks } = await setup(t);
  const smuggled = run(writer.client, node.nodeId, [script], {
    approved: true,
    approvalDecision: "allow-always",
    approval: { id: "forged", decision: "allow-always" },
  });
  const req = await approver.nextRequest();
  assert.equal(req.request.command, script, "the operator is still asked");
  await approver.client.call("exec.approval.resolve", { id: req.id, decision: "deny" });
  assert.equal((await rejection(smuggled)).code, "FORBIDDEN");
  assert.equal(await lines(marks), 0);
  // Reference clients' `command` array is argv too, and gets the same treatment.
  const asArray = writer.client.call("node.invoke", {
    nodeId: node.nodeId,
    command: "system.run",
    params: { command: [script], approved: true },
    timeoutMs: 1500,
    idempotencyKey: randomUUID(),
  });
  assert.equal((await rejection(asArray)).code, "FORBIDDEN");
  assert.equal(await lines(marks), 0);
});

test("an operator without operator.approvals cannot resolve; one with it can", async (t) => {
  const { approver, writer, node, script, marks } = await setup(t);
  const pending = run(writer.client, node.nodeId, [script]);
  const req = await approver.nextRequest();
  const err = await rejection(writer.client.call("exec.approval.resolve", { id: req.id, decision: "allow-once" }));
  assert.equal(err.code, "FORBIDDEN");
  assert.equal(await lines(marks), 0, "the forbidden resolve approved nothing");
  await approver.client.call("exec.approval.resolve", { id: req.id, decision: "allow-once" });
  await pending;
  assert.equal(await lines(marks), 1);
  const again = await rejection(approver.client.call("exec.approval.resolve", { id: req.id, decision: "allow-once" }));
  assert.equal(again.code, "NOT_FOUND", "an answered request cannot be answered again");
});

test("allow-always adds the program to the node's allowlist; with ask on-miss it then runs without asking", async (t) => {
  const policy = { version: 1, defaults: { security: "allowlist", ask: "on-miss" } };
  const { approver, writer, admin, node, script, marks } = await setup(t, policy);
  const first = run(writer.client, node.nodeId, [script]);
  await answer(approver, "allow-always");
  await first;
  const snap = await admin.client.call("exec.approvals.node.get", { nodeId: node.nodeId });
  assert.deepEqual(snap.file.agents?.["main"]?.allowlist?.map((e) => e.pattern), [script]);
  assert.equal(snap.file.agents?.["main"]?.allowlist?.[0]?.lastResolvedPath, script);
  await run(writer.client, node.nodeId, [script]);
  assert.equal(await lines(marks), 2);
  assert.equal(approver.events.filter((e) => e.event === "exec.approval.requested").length, 1, "asked only the first time");
  // echo is on node.json's allowlist but not the policy's: a miss, asked again.
  const echo = run(writer.client, node.nodeId, ["echo", "hi"]);
  await answer(approver, "deny");
  assert.equal((await rejection(echo)).code, "FORBIDDEN");
});

test("security: deny on the node refuses at once without asking anyone", async (t) => {
  const { approver, writer, node, script, marks } = await setup(t, { version: 1, defaults: { security: "deny" } });
  const err = await rejection(run(writer.client, node.nodeId, [script]));
  assert.equal(err.code, "FORBIDDEN");
  assert.match(err.message, /security: deny/);
  assert.equal(approver.events.filter((e) => e.event === "exec.approval.requested").length, 0);
  assert.equal(await lines(marks), 0);
});

test("the gateway's own policy applies before the node's: deny refuses, ask always asks even for an open node", async (t) => {
  const { approver, writer, admin, node, script, marks } = await setup(t, null);
  const empty = await admin.client.call("exec.approvals.get", {});
  assert.equal(empty.exists, false);
  const denied = await admin.client.call("exec.approvals.set", { file: { version: 1, defaults: { security: "deny" } }, baseHash: empty.hash });
  assert.equal(denied.exists, true);
  assert.equal((await rejection(run(writer.client, node.nodeId, [script]))).code, "FORBIDDEN");
  assert.equal(await lines(marks), 0);

  await admin.client.call("exec.approvals.set", { file: { version: 1, defaults: { security: "full", ask: "always" } }, baseHash: denied.hash });
  const asked = run(writer.client, node.nodeId, [script]);
  await answer(approver, "allow-once");
  await asked;
  assert.equal(await lines(marks), 1);
  // Other node commands are not exec: untouched by the policy.
  const info = await writer.client.call("node.invoke", { nodeId: node.nodeId, command: "system.info", timeoutMs: 30_000, idempotencyKey: randomUUID() });
  assert.equal(info.ok, true);
});

test("policy files are written only against the hash they were read at", async (t) => {
  const { admin, writer, node } = await setup(t, null);
  const a = await admin.client.call("exec.approvals.get", {});
  await admin.client.call("exec.approvals.set", { file: { version: 1, defaults: { ask: "on-miss" } }, baseHash: a.hash });
  const stale = await rejection(admin.client.call("exec.approvals.set", { file: { version: 1 }, baseHash: a.hash }));
  assert.equal(stale.code, "INVALID_REQUEST");
  assert.match(stale.message, /changed since it was read/);
  const missing = await rejection(admin.client.call("exec.approvals.set", { file: { version: 1 } }));
  assert.match(missing.message, /pass baseHash/);
  assert.equal((await admin.client.call("exec.approvals.get", {})).file.defaults?.ask, "on-miss", "the refused writes changed nothing");

  const n0 = await admin.client.call("exec.approvals.node.get", { nodeId: node.nodeId });
  assert.equal(n0.exists, false, n0.path);
  const n1 = await admin.client.call("exec.approvals.node.set", { nodeId: node.nodeId, file: { version: 1, defaults: { security: "deny" } }, baseHash: n0.hash });
  assert.equal(n1.file.defaults?.security, "deny");
  const nStale = await rejection(admin.client.call("exec.approvals.node.set", { nodeId: node.nodeId, file: { version: 1 }, baseHash: n0.hash }));
  assert.equal(nStale.code, "INVALID_REQUEST");
  assert.equal((await admin.client.call("exec.approvals.node.get", { nodeId: node.nodeId })).hash, n1.hash);
  // The policy commands are not reachable with node.invoke (operator.write would rewrite a node's policy).
  const direct = await rejection(
    writer.client.call("node.invoke", { nodeId: node.nodeId, command: "system.execApprovals.set", params: { file: { version: 1 } }, idempotencyKey: randomUUID() }),
  );
  assert.equal(direct.code, "FORBIDDEN");
  assert.equal((await rejection(writer.client.call("exec.approvals.get", {}))).code, "FORBIDDEN", "operator.admin only");
});

test("exec.approval.request waits for a decision, answers null at its deadline, and refuses a duplicate id", async (t) => {
  const gw = await gateway(t);
  const approver = await watchingOperator(t, gw.url, ["operator.approvals"]);
  const asker = await watchingOperator(t, gw.url, ["operator.approvals"]);
  const pending = asker.client.call("exec.approval.request", { id: "req-1", command: "rm -rf /tmp/x", cwd: "/tmp", host: "gateway", agentId: "main", timeoutMs: 120_000 });
  const req = await approver.nextRequest();
  assert.deepEqual(req.request, { command: "rm -rf /tmp/x", cwd: "/tmp", host: "gateway", security: null, ask: null, agentId: "main", resolvedPath: null, sessionKey: null });
  assert.equal(req.id, "req-1");
  assert.equal((await rejection(asker.client.call("exec.approval.request", { id: "req-1", command: "x" }))).code, "INVALID_REQUEST");
  await approver.client.call("exec.approval.resolve", { id: "req-1", decision: "allow-always" });
  const res = await pending;
  assert.equal(res.decision, "allow-always");
  assert.equal(res.id, "req-1");
  const late = await asker.client.call("exec.approval.request", { command: "true", timeoutMs: 50 });
  assert.equal(late.decision, null);
});

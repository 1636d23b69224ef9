// Two real node host processes behind one in-process gateway: listing, routing, allowlists,
// disconnects, timeouts, idempotent retries, renames across restarts, dead-node detection.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { generateIdentity } from "@clawdbot/protocol/client";
import { tempDir } from "../cli/run-cli.js";
import { appendScript, connectOperator, invoke, spawnNodeHost, waitForNodes } from "./support/node-host.js";
import { gateway, rejection, twoNodes } from "./support/fixtures.js";

const HAS_CHROMIUM = existsSync(process.env["CHROMIUM_PATH"] || "/usr/bin/chromium");
const CANVAS = ["canvas.present", "canvas.navigate", "canvas.eval", "canvas.snapshot", "canvas.a2ui.push"];

test("node.list shows both node hosts connected with their effective commands; invokes reach the named node", async (t) => {
  const gw = await gateway(t);
  const [a, b] = await twoNodes(t, gw.url, HAS_CHROMIUM);
  const op = await connectOperator(t, gw.url);
  const nodes = await waitForNodes(op, (ns) => ns.filter((n) => n.connected).length === 2);
  const run = ["system.run", "system.which", "system.execApprovals.get", "system.execApprovals.set"];
  const expected = ["system.info", ...run, ...(HAS_CHROMIUM ? CANVAS : [])];
  for (const [proc, name] of [[a, "A"], [b, "B"]] as const) {
    const n = nodes.find((x) => x.nodeId === proc.nodeId);
    assert.ok(n, `${name} missing from node.list`);
    assert.equal(n.displayName, name);
    assert.equal(n.platform, "linux");
    // system.notify is declared only where notify-send exists.
    assert.deepEqual([...n.commands].filter((c) => c !== "system.notify").sort(), [...expected].sort());
    assert.deepEqual(n.declaredCommands, n.commands, "every declared command is on the linux default allowlist");
  }
  for (const proc of [a, b]) {
    const info = (await invoke(op, proc.nodeId, "system.info")).payload as { pid: number; platform: string; hostname: string; cpus: number; memoryBytes: number };
    assert.equal(info.pid, proc.pid, "system.info answered by the process the request was addressed to");
    assert.equal(info.platform, "linux");
    assert.ok(info.cpus > 0 && info.memoryBytes > 0 && info.hostname.length > 0);
  }
  const echoed = (await invoke(op, b.nodeId, "system.run", { argv: ["echo", "a;b", "$(id)", "|", "x"] })).payload as { stdout: string; exitCode: number };
  assert.equal(echoed.stdout, "a;b $(id) | x\n", "shell metacharacters are passed literally");
  assert.equal(echoed.exitCode, 0);
  assert.equal(a.count(/received node\.invoke\.request system\.run/), 0, "A never saw B's request");
  assert.equal(b.count(/received node\.invoke\.request system\.run/), 1);
});

test("a command the gateway denies is refused before anything reaches the node", async (t) => {
  const gw = await gateway(t, { file: { gateway: { nodes: { denyCommands: ["system.run"] } } } });
  const a = await spawnNodeHost(t, { url: gw.url, displayName: "A", nodeConfig: { systemRun: { allow: ["echo"] } } });
  const op = await connectOperator(t, gw.url);
  const [n] = await waitForNodes(op, (ns) => ns.some((x) => x.connected));
  assert.ok(n!.declaredCommands.includes("system.run"));
  assert.ok(!n!.commands.includes("system.run"), "denyCommands removes it from the effective commands");
  const err = await rejection(invoke(op, a.nodeId, "system.run", { argv: ["echo", "nope"] }));
  assert.equal(err.code, "FORBIDDEN");
  // A command that does go through, so the node's log is known to be current.
  await invoke(op, a.nodeId, "system.info");
  await a.waitFor(/answered system\.info/);
  assert.equal(a.count(/received node\.invoke\.request system\.run/), 0, a.output());
  assert.equal(a.count(/received node\.invoke\.request system\.info/), 1);
});

test("the node's own allowlist refuses a program the gateway would route", async (t) => {
  const gw = await gateway(t);
  const a = await spawnNodeHost(t, { url: gw.url, nodeConfig: { systemRun: { allow: ["echo"] } } });
  const op = await connectOperator(t, gw.url);
  const err = await rejection(invoke(op, a.nodeId, "system.run", { argv: ["id"], approved: true }));
  assert.equal(err.code, "FORBIDDEN", "the node's own refusal keeps its code");
  assert.deepEqual(err.details, { nodeCode: "FORBIDDEN" });
  assert.match(err.message, /not on this node's system\.run allowlist/);
});

test("a node that does not answer in time yields AGENT_TIMEOUT", async (t) => {
  const gw = await gateway(t);
  const a = await spawnNodeHost(t, { url: gw.url, nodeConfig: { systemRun: { allow: ["sleep"] } } });
  const op = await connectOperator(t, gw.url);
  const err = await rejection(invoke(op, a.nodeId, "system.run", { argv: ["sleep", "30"] }, { timeoutMs: 300 }));
  assert.equal(err.code, "AGENT_TIMEOUT");
});

test("a retried invoke with the same idempotencyKey runs the command once, across operator reconnects and devices", async (t) => {
  const gw = await gateway(t);
  const dir = await tempDir(t, "clawdbot-idem-");
  const log = join(dir, "runs.log");
  const script = await appendScript(dir, log);
  const a = await spawnNodeHost(t, { url: gw.url, nodeConfig: { systemRun: { allow: [script] } } });
  const identity = generateIdentity();
  const key = "retry-me-once";
  const params = { argv: [script, "x"] };
  const first = await connectOperator(t, gw.url, { identity });
  const r1 = await invoke(first, a.nodeId, "system.run", params, { idempotencyKey: key });
  const r2 = await invoke(first, a.nodeId, "system.run", params, { idempotencyKey: key });
  first.close();
  // Same operator device after a reconnect: the gateway's dedupe cache answers.
  const again = await connectOperator(t, gw.url, { identity });
  const r3 = await invoke(again, a.nodeId, "system.run", params, { idempotencyKey: key });
  // Another device with the same key reaches the node, whose own cache answers.
  const other = await connectOperator(t, gw.url);
  const r4 = await invoke(other, a.nodeId, "system.run", params, { idempotencyKey: key });
  await a.waitFor(/received node\.invoke\.request system\.run[\s\S]*received node\.invoke\.request system\.run/);
  for (const r of [r2, r3, r4]) assert.deepEqual(r.payload, r1.payload);
  assert.equal((await readFile(log, "utf8")).split("\n").filter(Boolean).length, 1, "the program ran exactly once");
  // A fresh key runs it again.
  await invoke(other, a.nodeId, "system.run", params);
  assert.equal((await readFile(log, "utf8")).split("\n").filter(Boolean).length, 2);
});

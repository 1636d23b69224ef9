// Real node host processes coming and going: SIGKILL mid-invoke, SIGSTOP, gateway restarts, SIGTERM.
import { test } from "node:test";
import assert from "node:assert/strict";
import { GatewayRequestError } from "@clawdbot/protocol/client";
import { startGateway, type TestGateway } from "../support/gateway.js";
import { tempDir } from "../cli/run-cli.js";
import { connectOperator, invoke, spawnNodeHost, waitForNodes } from "./support/node-host.js";
import { gateway, rejection, twoNodes } from "./support/fixtures.js";
import { eventually } from "../support/wait.js";

test("SIGKILL of the node during a long system.run answers UNAVAILABLE at once, not at the timeout", async (t) => {
  const gw = await gateway(t);
  const [, b] = await twoNodes(t, gw.url);
  const op = await connectOperator(t, gw.url);
  const pending = invoke(op, b.nodeId, "system.run", { argv: ["sleep", "30"] }, { timeoutMs: 300_000 });
  await b.waitFor(/received node\.invoke\.request system\.run/);
  b.child.kill("SIGKILL");
  const deadline = new Promise<"deadline">((r) => setTimeout(() => r("deadline"), 60_000).unref());
  const outcome = await Promise.race([rejection(pending), deadline]);
  assert.notEqual(outcome, "deadline", "the invoke must fail when the node goes away, long before its 300 s timeout");
  const err = outcome as GatewayRequestError;
  assert.equal(err.code, "UNAVAILABLE");
  assert.match(err.message, /disconnected/);
});

test("node.rename persists across a gateway restart; the node host reconnects by itself", async (t) => {
  const stateDir = await tempDir(t, "clawdbot-gw-");
  const gw1 = await startGateway({ stateDir });
  let gw2: TestGateway | undefined;
  t.after(async () => {
    await gw1.stop();
    await gw2?.stop();
  });
  const a = await spawnNodeHost(t, { url: gw1.url, displayName: "A" });
  const op1 = await connectOperator(t, gw1.url);
  assert.deepEqual(await op1.call("node.rename", { nodeId: a.nodeId, displayName: "kitchen box" }), { nodeId: a.nodeId, displayName: "kitchen box" });
  op1.close();
  await gw1.stop();
  await a.waitFor(/disconnected from/);
  gw2 = await startGateway({ stateDir, flags: { port: gw1.port } });
  const op2 = await connectOperator(t, gw2.url);
  const [n] = await waitForNodes(op2, (ns) => ns.some((x) => x.nodeId === a.nodeId && x.connected), 90_000);
  assert.equal(n!.displayName, "kitchen box", "the gateway's name wins over the host's --display-name");
  // The gateway lists the node as soon as it accepts the connect; the host prints its line on hello-ok.
  await eventually("one node process, two connections", () => a.count(/connected to /) === 2, 30_000);
});

test("a silent (SIGSTOPped) node disappears from the connected nodes within about two ticks and returns after SIGCONT", async (t) => {
  const gw = await gateway(t, { file: { gateway: { tickIntervalMs: 200 } } });
  const [a, b] = await twoNodes(t, gw.url);
  const op = await connectOperator(t, gw.url);
  await waitForNodes(op, (ns) => ns.filter((n) => n.connected).length === 2);
  a.child.kill("SIGSTOP");
  const connected = (ns: { nodeId: string; connected: boolean }[], id: string) => ns.find((n) => n.nodeId === id)?.connected;
  await waitForNodes(op, (ns) => connected(ns, a.nodeId) === false && connected(ns, b.nodeId) === true, 30_000);
  a.child.kill("SIGCONT");
  await waitForNodes(op, (ns) => ns.some((n) => n.nodeId === a.nodeId && n.connected), 60_000);
});

test("SIGTERM stops the node host cleanly (exit 0)", async (t) => {
  const gw = await gateway(t);
  const a = await spawnNodeHost(t, { url: gw.url });
  a.child.kill("SIGTERM");
  assert.deepEqual(await a.exited, { code: 0, signal: null });
  assert.match(a.output(), /SIGTERM: stopping/);
});

// A node host that is not auto-approved: it prints the request id, keeps retrying, and connects once approved.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { GatewayClient } from "@clawdbot/protocol/client";
import { startGateway } from "../support/gateway.js";
import { spawnNodeHost } from "./support/node-host.js";

const TOKEN = "node-pairing-test-token-0123456789abcdef";

test("pairing required: the node prints the request id, retries until approved, then keeps its device token", async (t) => {
  const gw = await startGateway({ flags: { token: TOKEN }, file: { gateway: { pairing: { autoApproveLocal: false } } } });
  t.after(() => gw.stop());
  const admin = new GatewayClient({ url: gw.url, token: TOKEN, client: { id: "test", mode: "test" }, scopes: ["operator.admin"] });
  await admin.connect();
  t.after(() => admin.close());

  const node = await spawnNodeHost(t, { url: gw.url, displayName: "remote-ish", waitConnected: false, env: { CLAWDBOT_GATEWAY_TOKEN: TOKEN } });
  const [, requestId] = await node.waitFor(/pairing required: approve request (\S+) on the gateway host \(clawdbot pair approve \1\); retrying until it is approved/);
  const { pending } = await admin.call("device.pair.list");
  assert.deepEqual(
    pending.map((p) => [p.requestId, p.deviceId, p.role]),
    [[requestId, node.nodeId, "node"]],
  );
  await admin.call("device.pair.approve", { requestId: requestId! });
  await node.waitFor(/connected to /, 90_000);
  assert.equal(node.count(/pairing required/), 1, "the same request is announced once, however often the node retries");
  const tokens = JSON.parse(await readFile(join(node.stateDir, "node", "device-auth.json"), "utf8")) as Record<string, string>;
  assert.ok(tokens[gw.url] && tokens[gw.url]!.length >= 32, "the issued device token is stored");
  node.child.kill("SIGTERM");
  assert.equal((await node.exited).code, 0);

  // Without the gateway token, the stored device token is enough.
  const again = await spawnNodeHost(t, { url: gw.url, stateDir: node.stateDir });
  assert.equal(again.nodeId, node.nodeId);
  // Revoked: the node forgets the token; still paired and on the gateway host, it is let in again
  // without the gateway token (local approval) and keeps the new device token it gets.
  const before = tokens[gw.url];
  await admin.call("device.token.revoke", { deviceId: node.nodeId, role: "node" });
  await again.waitFor(/no longer accepts this node's device token; pairing again\n[\s\S]*connected to /);
  const renewed = (JSON.parse(await readFile(join(node.stateDir, "node", "device-auth.json"), "utf8")) as Record<string, string>)[gw.url];
  assert.ok(renewed && renewed !== before, "a new device token replaces the revoked one");
});

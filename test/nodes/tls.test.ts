// Trust on first use for wss:// gateways: the first pairing pins the certificate; a changed one is refused.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { createServer as createTlsServer } from "node:tls";
import type { AddressInfo } from "node:net";
import { normalizeFingerprint } from "@clawdbot/protocol/client";
import { startGateway, type TestGateway } from "../support/gateway.js";
import { tempDir } from "../cli/run-cli.js";
import { connectOperator, spawnNodeHost, waitForNodes } from "./support/node-host.js";

async function pinFile(stateDir: string): Promise<Record<string, { fingerprint: string }>> {
  return (JSON.parse(await readFile(join(stateDir, "node", "gateway-pin.json"), "utf8")) as { pins: Record<string, { fingerprint: string }> }).pins;
}

function connectedLines(gw: TestGateway): string[] {
  return gw.logs.tail(undefined, 5000, 50_000_000).lines.filter((l) => l.includes("client connected"));
}

test("the first wss:// pairing pins the certificate; a gateway with another certificate is refused before anything is sent", async (t) => {
  const gwState1 = await tempDir(t, "clawdbot-gw1-");
  const gw1 = await startGateway({ flags: { tls: true }, stateDir: gwState1 });
  let gw2: TestGateway | undefined;
  t.after(async () => {
    await gw1.stop();
    await gw2?.stop();
  });
  const fp1 = gw1.gateway.tlsFingerprint!;
  const url = `wss://127.0.0.1:${gw1.port}`;

  // First use: the node trusts what it sees, pins it once paired, and is listed.
  const first = await spawnNodeHost(t, { url, displayName: "tls-node" });
  assert.match(first.output(), /first connection to wss:\/\/127\.0\.0\.1:\d+: trusting its TLS certificate/);
  await first.waitFor(/pinned the gateway's TLS certificate/);
  const pins = await pinFile(first.stateDir);
  assert.equal(normalizeFingerprint(pins[`wss://127.0.0.1:${gw1.port}`]!.fingerprint), normalizeFingerprint(fp1));
  const op1 = await connectOperator(t, url, { tlsFingerprint: fp1 });
  await waitForNodes(op1, (ns) => ns.some((n) => n.nodeId === first.nodeId && n.connected));
  op1.close();
  first.child.kill("SIGTERM");
  assert.deepEqual(await first.exited, { code: 0, signal: null });
  await gw1.stop();

  // Same port, new state dir: a new self-signed certificate.
  gw2 = await startGateway({ flags: { tls: true, port: gw1.port } });
  const fp2 = gw2.gateway.tlsFingerprint!;
  assert.notEqual(normalizeFingerprint(fp2), normalizeFingerprint(fp1));
  const before = connectedLines(gw2).length;
  const refused = await spawnNodeHost(t, { url, stateDir: first.stateDir, waitConnected: false });
  const exit = await refused.exited;
  assert.deepEqual(exit, { code: 3, signal: null }, refused.output());
  assert.match(refused.output(), /error: refusing wss:\/\/127\.0\.0\.1:\d+: the gateway's TLS certificate changed since this node pinned it/);
  assert.match(refused.output(), /nothing was sent/);
  assert.match(refused.output(), /--tls-fingerprint/);
  assert.equal(connectedLines(gw2).length, before, "no connection reached the handshake");
  const op2 = await connectOperator(t, url, { tlsFingerprint: fp2 });
  assert.deepEqual((await op2.call("node.list")).nodes, [], "the gateway never saw the node");
  assert.equal(normalizeFingerprint((await pinFile(first.stateDir))[`wss://127.0.0.1:${gw1.port}`]!.fingerprint), normalizeFingerprint(fp1), "the pin is unchanged");

  // A wrong explicit fingerprint is refused too; the right one is accepted and replaces the pin.
  const wrong = await spawnNodeHost(t, { url, stateDir: first.stateDir, waitConnected: false, args: ["--tls-fingerprint", fp1] });
  assert.equal((await wrong.exited).code, 3);
  assert.match(wrong.output(), /does not match --tls-fingerprint/);
  const explicit = await spawnNodeHost(t, { url, stateDir: first.stateDir, args: ["--tls-fingerprint", fp2.replace(/:/g, "").toLowerCase()] });
  await waitForNodes(op2, (ns) => ns.some((n) => n.nodeId === explicit.nodeId && n.connected));
  await explicit.waitFor(/pinned the gateway's TLS certificate/);
  assert.equal(normalizeFingerprint((await pinFile(first.stateDir))[`wss://127.0.0.1:${gw1.port}`]!.fingerprint), normalizeFingerprint(fp2));
});

test("against a pinned fingerprint, a server with another certificate receives no application byte", async (t) => {
  const gw = await startGateway({ flags: { tls: true } });
  const url = `wss://127.0.0.1:${gw.port}`;
  const node = await spawnNodeHost(t, { url });
  node.child.kill("SIGTERM");
  await node.exited;
  await gw.stop();
  // A bare TLS server (a fresh gateway certificate) that counts what the client sends after the handshake.
  const other = await startGateway({ flags: { tls: true } });
  const [cert, key] = await Promise.all([readFile(join(other.stateDir, "tls", "gateway-cert.pem"), "utf8"), readFile(join(other.stateDir, "tls", "gateway-key.pem"), "utf8")]);
  await other.stop();
  let received = 0;
  let connections = 0;
  const server = createTlsServer({ cert, key }, (socket) => {
    socket.on("data", (d: Buffer) => (received += d.length));
    socket.on("error", () => undefined);
  });
  server.on("connection", () => connections++);
  server.on("tlsClientError", () => undefined);
  await new Promise<void>((resolve) => server.listen(gw.port, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  assert.equal((server.address() as AddressInfo).port, gw.port);
  const refused = await spawnNodeHost(t, { url, stateDir: node.stateDir, waitConnected: false });
  assert.equal((await refused.exited).code, 3, refused.output());
  assert.ok(connections >= 1, "the node did reach the server");
  assert.equal(received, 0, "not one byte of the WebSocket upgrade was sent");
});

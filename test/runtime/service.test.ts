import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createServer as createTlsServer } from "node:tls";
import { connect as netConnect, createServer as createNetServer, type AddressInfo } from "node:net";
import { startGateway } from "../support/gateway.js";
import { connectRaw } from "../support/raw-client.js";
import { jsonOut, runCli, spawnGateway, tempDir } from "../cli/run-cli.js";

test("TLS: the right fingerprint connects, a wrong one is refused before a single byte is sent", async (t) => {
  const gw = await startGateway({ flags: { tls: true } });
  t.after(() => gw.stop());
  const fp = gw.gateway.tlsFingerprint;
  assert.ok(fp && /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/.test(fp), String(fp));
  const stateDir = await tempDir(t);
  const url = `wss://127.0.0.1:${gw.port}`;

  const ok = await runCli(["status", "--url", url, "--tls-fingerprint", fp.toLowerCase().replace(/:/g, ""), "--json"], { stateDir });
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(jsonOut<{ tls: { fingerprintSha256: string } }>(ok).tls.fingerprintSha256, fp);

  // A TLS server with the same certificate records whatever a client sends after the handshake.
  const dir = join(gw.stateDir, "tls");
  const [cert, key] = await Promise.all([readFile(join(dir, "gateway-cert.pem"), "utf8"), readFile(join(dir, "gateway-key.pem"), "utf8")]);
  let received = 0;
  let connections = 0;
  const spy = createTlsServer({ cert, key }, (sock) => {
    sock.on("data", (d) => (received += d.length));
    sock.on("error", () => undefined);
  });
  spy.on("connection", () => connections++);
  spy.on("tlsClientError", () => undefined);
  await new Promise<void>((r) => spy.listen(0, "127.0.0.1", r));
  t.after(() => spy.close());
  const spyUrl = `wss://127.0.0.1:${(spy.address() as AddressInfo).port}`;
  const wrong = "AB:".repeat(31) + "AB";
  const bad = await runCli(["status", "--url", spyUrl, "--tls-fingerprint", wrong], { stateDir });
  assert.equal(bad.code, 3, bad.stderr);
  assert.match(bad.stderr, /TLS fingerprint mismatch/);
  assert.match(bad.stderr, new RegExp(fp.slice(0, 11)));
  assert.equal(connections, 1, "the client did connect");
  assert.equal(received, 0, "nothing was written after the handshake");
});

test("TLS: plain ws:// to a TLS port fails cleanly with a hint", async (t) => {
  const gw = await startGateway({ flags: { tls: true } });
  t.after(() => gw.stop());
  const r = await runCli(["health", "--url", `ws://127.0.0.1:${gw.port}`, "--timeout", "5000"], { stateDir: await tempDir(t) });
  assert.equal(r.code, 3, r.stderr);
  assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
  assert.match(r.stderr, /wss:\/\//);
});

test("remote: the CLI works through a TCP forwarder (what ssh -L does)", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  let relayed = 0;
  const fwd = createNetServer((inbound) => {
    relayed++;
    const outbound = netConnect(gw.port, "127.0.0.1");
    inbound.pipe(outbound).pipe(inbound);
    inbound.on("error", () => outbound.destroy());
    outbound.on("error", () => inbound.destroy());
  });
  await new Promise<void>((r) => fwd.listen(0, "127.0.0.1", r));
  t.after(() => fwd.close());
  const port = (fwd.address() as AddressInfo).port;
  const r = await runCli(["status", "--url", `ws://127.0.0.1:${port}`, "--json"], { stateDir: await tempDir(t) });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(jsonOut<{ port: number }>(r).port, gw.port);
  assert.ok(relayed >= 1);
});

test("SIGHUP: a broken config is refused and the gateway keeps serving the old one; a good one applies", async (t) => {
  const stateDir = await tempDir(t);
  const config = join(stateDir, "clawdbot.json");
  await writeFile(config, "{ heartbeat: { enabled: true } }");
  const started = await spawnGateway(t, ["--port", "0", "--config", config], { stateDir });
  assert.ok(started.ok);
  const { gw } = started;
  const cli = await tempDir(t);
  const url = `ws://127.0.0.1:${gw.port}`;

  await writeFile(config, "{ heartbeat: { enabled: 3 } ");
  gw.child.kill("SIGHUP");
  await waitFor(() => /config reload rejected/.test(gw.stdout()));
  assert.match(gw.stdout(), /clawdbot\.json: not valid JSON5/);
  const still = await runCli(["health", "--url", url, "--json"], { stateDir: cli });
  assert.equal(still.code, 0, still.stderr);
  assert.equal(jsonOut<{ heartbeat: { enabled: boolean } }>(still).heartbeat.enabled, true);

  await writeFile(config, "{ heartbeat: { enabled: false } }");
  gw.child.kill("SIGHUP");
  await waitFor(() => /config reloaded/.test(gw.stdout()));
  const after = await runCli(["health", "--url", url, "--json"], { stateDir: cli });
  assert.equal(jsonOut<{ heartbeat: { enabled: boolean } }>(after).heartbeat.enabled, false);
  gw.child.kill("SIGTERM");
  assert.equal((await gw.exited).code, 0);
});

test("SIGTERM: every client gets `shutdown` before close 1012", async (t) => {
  const stateDir = await tempDir(t);
  const started = await spawnGateway(t, ["--port", "0"], { stateDir });
  assert.ok(started.ok);
  const { gw } = started;
  const a = await connectRaw(`ws://127.0.0.1:${gw.port}`, { mode: "ui" });
  const b = await connectRaw(`ws://127.0.0.1:${gw.port}`, { mode: "cli", clientId: "cli" });
  assert.equal(a.res.ok, true);
  assert.equal(b.res.ok, true);
  gw.child.kill("SIGTERM");
  for (const c of [a.client, b.client]) {
    const ev = await c.event("shutdown");
    assert.match((ev.payload as { reason: string }).reason, /SIGTERM/);
    const closed = await c.closed;
    assert.deepEqual(closed, { code: 1012, reason: "service restart" });
    const shutdownAt = c.frames.indexOf(ev);
    assert.equal(shutdownAt, c.frames.length - 1, "shutdown is the last frame");
  }
  assert.equal((await gw.exited).code, 0);
});

test("one gateway per state dir: the second names the first's pid and port; after kill -9 a new one starts", async (t) => {
  const stateDir = await tempDir(t);
  const first = await spawnGateway(t, ["--port", "0"], { stateDir });
  assert.ok(first.ok);
  const second = await spawnGateway(t, ["--port", "0"], { stateDir });
  assert.ok(!second.ok);
  assert.equal(second.failure.code, 1);
  assert.match(second.failure.stderr, new RegExp(`pid ${first.gw.child.pid} on port ${first.gw.port}`));
  first.gw.child.kill("SIGKILL");
  await first.gw.exited;
  const third = await spawnGateway(t, ["--port", "0"], { stateDir });
  assert.ok(third.ok, third.ok ? "" : third.failure.stderr);
  third.gw.child.kill("SIGTERM");
  assert.equal((await third.gw.exited).code, 0);
});

async function waitFor(cond: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}

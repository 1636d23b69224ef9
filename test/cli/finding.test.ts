// How the CLI finds and reaches a gateway without being told: the running instance's record in the
// state dir (port, TLS fingerprint), the config's gateway.port; and what `clawdbot gateway` prints at
// start-up and `status` shows: the WebSocket URL, the WebChat URL, the canvas host (or why not), the
// TLS fingerprint.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { normalizeFingerprint } from "@clawdbot/protocol/client";
import { startGateway } from "../support/gateway.js";
import { freePort, jsonOut, listenTcp, portOf, runCli, spawnGateway, tempDir, type CliGateway } from "./run-cli.js";

async function started(t: TestContext, args: string[], stateDir: string, env: Record<string, string> = {}): Promise<CliGateway> {
  const r = await spawnGateway(t, args, { stateDir, env });
  if (!r.ok) assert.fail(`gateway exited ${r.failure.code}\nstdout:\n${r.failure.stdout}\nstderr:\n${r.failure.stderr}`);
  return r.gw;
}

/** Waits for the start-up block (the lines after "listening on") to be complete. */
async function startupBlock(gw: CliGateway): Promise<string> {
  for (let i = 0; i < 400 && !/canvas host: .+\n/.test(gw.stdout()); i++) await new Promise((r) => setTimeout(r, 25));
  return gw.stdout();
}

function stopped(gw: CliGateway): Promise<{ code: number | null }> {
  gw.child.kill("SIGTERM");
  return gw.exited;
}

test("start-up prints the WebSocket, WebChat and canvas host URLs; the instance record holds them (0600) until a clean stop", async (t) => {
  const stateDir = await tempDir(t);
  const gw = await started(t, ["--port", "0", "--canvas-port", "0"], stateDir);
  const out = await startupBlock(gw);
  assert.match(out, new RegExp(`^clawdbot gateway listening on ${gw.url} \\(pid \\d+\\)$`, "m"));
  assert.match(out, new RegExp(`^  WebChat: +http://127\\.0\\.0\\.1:${gw.port}/$`, "m"));
  assert.match(out, /^ {2}canvas host: http:\/\/127\.0\.0\.1:\d+$/m);
  const recordPath = join(stateDir, "gateway-instance.json");
  assert.equal((await stat(recordPath)).mode & 0o777, 0o600);
  const record = JSON.parse(await readFile(recordPath, "utf8")) as Record<string, unknown>;
  assert.equal(record["websocketUrl"], gw.url);
  assert.equal(record["webchatUrl"], `http://127.0.0.1:${gw.port}/`);
  assert.equal(record["pid"], gw.child.pid);
  assert.match(String(record["canvasHostUrl"]), /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal((await stopped(gw)).code, 0);
  await assert.rejects(stat(recordPath), /ENOENT/, "a clean stop removes the record");
});

test("the CLI finds the gateway running on its state dir without --url; status shows every address (human and --json)", async (t) => {
  const stateDir = await tempDir(t);
  const gw = await started(t, ["--port", "0", "--canvas-port", "0"], stateDir);
  await startupBlock(gw);
  const human = await runCli(["status"], { stateDir });
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, new RegExp(`^WebSocket: ${gw.url}$`, "m"));
  assert.match(human.stdout, new RegExp(`^WebChat: http://127\\.0\\.0\\.1:${gw.port}/$`, "m"));
  assert.match(human.stdout, /^canvas host: http:\/\/127\.0\.0\.1:\d+$/m);
  assert.match(human.stdout, /^TLS: off$/m);
  const json = jsonOut<Record<string, unknown>>(await runCli(["status", "--json"], { stateDir }));
  assert.equal(json["url"], gw.url);
  assert.equal(json["webchatUrl"], `http://127.0.0.1:${gw.port}/`);
  assert.match(String(json["canvasHostUrl"]), /^http:\/\/127\.0\.0\.1:\d+$/);
  const health = await runCli(["health"], { stateDir });
  assert.equal(health.code, 0, health.stderr);
});

test("a record left by a gateway that is gone is ignored; the config's gateway.port is used next", async (t) => {
  const stateDir = await tempDir(t);
  const port = await freePort();
  await writeFile(join(stateDir, "clawdbot.json"), `{ gateway: { port: ${port} } }`);
  // A pid that cannot exist (above pid_max) stands for a gateway killed with SIGKILL.
  await writeFile(
    join(stateDir, "gateway-instance.json"),
    JSON.stringify({ version: 1, pid: 2 ** 30, startedAt: 0, gatewayVersion: "0", host: "127.0.0.1", port: 1, websocketUrl: "ws://127.0.0.1:1", webchatUrl: "http://127.0.0.1:1/", configPath: "x" }),
  );
  const r = await runCli(["health"], { stateDir });
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, new RegExp(`ECONNREFUSED 127\\.0\\.0\\.1:${port}\\b`), "it tried gateway.port, not the stale record");

  const gw = await startGateway({ stateDir, flags: { port } });
  t.after(() => gw.stop());
  const ok = await runCli(["status", "--json"], { stateDir });
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(jsonOut<{ port: number }>(ok).port, port);
});

test("a busy canvas port: the gateway starts and says, at start-up and in status, why there is no canvas host", async (t) => {
  const server = await listenTcp((s) => s.destroy());
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const busy = portOf(server);
  const stateDir = await tempDir(t);
  const gw = await started(t, ["--port", "0", "--canvas-port", String(busy)], stateDir);
  const out = await startupBlock(gw);
  const why = new RegExp(`not started: port ${busy} is already in use by another program \\(set gateway\\.canvasPort, or --canvas-port; 0 picks a free port\\)`);
  assert.match(out, new RegExp(`^  canvas host: ${why.source}$`, "m"));
  const status = await runCli(["status"], { stateDir });
  assert.match(status.stdout, new RegExp(`^canvas host: ${why.source}$`, "m"));
  const json = jsonOut<Record<string, unknown>>(await runCli(["status", "--json"], { stateDir }));
  assert.equal(json["canvasHostUrl"], undefined);
  assert.match(String(json["canvasHostProblem"]), why);
});

test("wss://: start-up prints the fingerprint; the local CLI pins it from the record; another machine is told which fingerprint to pass", async (t) => {
  const stateDir = await tempDir(t);
  const gw = await started(t, ["--port", "0", "--tls"], stateDir);
  const out = await startupBlock(gw);
  const fp = /TLS certificate SHA-256 fingerprint: ([0-9A-F:]{95})/.exec(out)?.[1];
  assert.ok(fp, out);
  assert.match(gw.url, /^wss:\/\//);

  // Same state dir: the record names the certificate, so no flag is needed.
  const local = await runCli(["status"], { stateDir });
  assert.equal(local.code, 0, local.stderr);
  assert.match(local.stdout, new RegExp(`^TLS: SHA-256 ${fp}$`, "m"));
  assert.match(local.stdout, new RegExp(`^WebChat: https://127\\.0\\.0\\.1:${gw.port}/$`, "m"));

  // Elsewhere (another state dir): refused with the fingerprint the server presented, exit 3.
  const elsewhere = await tempDir(t);
  for (const cmd of ["status", "health"]) {
    const r = await runCli([cmd, "--url", gw.url], { stateDir: elsewhere });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, new RegExp(`^clawdbot: ${gw.url.replace(/[.]/g, "\\.")} presents a TLS certificate that is not pinned here \\(SHA-256 ${fp}\\); .*pass --tls-fingerprint ${fp}$`, "m"));
    const j = await runCli([cmd, "--url", gw.url, "--json"], { stateDir: elsewhere });
    assert.equal(jsonOut<{ error: { code: string } }>(j).error.code, "tls-unpinned");
  }
  const pinned = await runCli(["health", "--url", gw.url, "--tls-fingerprint", normalizeFingerprint(fp)], { stateDir: elsewhere });
  assert.equal(pinned.code, 0, pinned.stderr);
});

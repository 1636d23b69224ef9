// `clawdbot gateway` run as a child process: start-up, serving the CLI, graceful SIGTERM, refusals.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { connectRaw } from "../support/raw-client.js";
import { gatewayFails, jsonOut, lines, listenTcp, portOf, runCli, spawnGateway, tempDir, type CliGateway } from "./run-cli.js";

/** Starts `clawdbot gateway` and fails the test with its output if it does not come up. */
async function startCliGateway(t: TestContext, args: string[], env: Record<string, string> = {}) {
  const stateDir = await tempDir(t);
  const r = await spawnGateway(t, args, { stateDir, env });
  if (!r.ok) assert.fail(`gateway exited ${r.failure.code} before listening\nstdout:\n${r.failure.stdout}\nstderr:\n${r.failure.stderr}`);
  return { gw: r.gw, stateDir };
}

/** Resolves with the exit, or fails once `ms` have passed (the gateway must not hang on shutdown). */
function exitWithin(gw: CliGateway, ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`gateway still running ${ms} ms after SIGTERM\nstdout:\n${gw.stdout()}`)), ms);
  });
  return Promise.race([gw.exited, deadline]).finally(() => clearTimeout(timer));
}

/** One `clawdbot gateway: <reason>` line on stderr. */
function failureLine(stderr: string): string {
  const err = lines(stderr);
  assert.equal(err.length, 1, `expected one stderr line, got:\n${stderr}`);
  assert.match(err[0]!, /^clawdbot gateway: \S/);
  return err[0]!;
}

test("gateway --port 0 announces its real port, serves the CLI, and on SIGTERM says shutdown, closes 1012, exits 0", async (t) => {
  const { gw, stateDir } = await startCliGateway(t, ["--port", "0"]);
  assert.notEqual(gw.port, 0);
  assert.equal(gw.url, `ws://127.0.0.1:${gw.port}`);
  assert.match(gw.stdout(), new RegExp(`\\(pid ${gw.child.pid}\\)`));

  // The CLI shares the gateway's state dir, as it does on a real host (~/.clawdbot).
  const health = await runCli(["health", "--url", gw.url], { stateDir });
  assert.equal(health.code, 0, health.stderr);
  assert.match(lines(health.stdout)[0] ?? "", /^gateway: healthy \(answered in \d+ms\)$/);
  const status = await runCli(["status", "--json", "--url", gw.url], { stateDir });
  assert.equal(status.code, 0, status.stderr);
  const s = jsonOut<Record<string, unknown>>(status);
  assert.equal(s["pid"], gw.child.pid);
  assert.equal(s["stateDir"], stateDir);
  assert.equal(s["configPath"], join(stateDir, "clawdbot.json"));

  const { client, res } = await connectRaw(gw.url);
  assert.equal(res.ok, true, JSON.stringify(res));
  gw.child.kill("SIGTERM");
  const shutdown = await client.event("shutdown");
  assert.match(String((shutdown.payload as { reason?: unknown }).reason), /SIGTERM/);
  assert.equal((await client.closed).code, 1012);
  const exit = await exitWithin(gw, 5000);
  assert.deepEqual(exit, { code: 0, signal: null }, `stdout:\n${gw.stdout()}\nstderr:\n${gw.stderr()}`);
});

test("gateway reads a JSON5 config (comments, unquoted keys, trailing commas) from CLAWDBOT_CONFIG_PATH", async (t) => {
  const dir = await tempDir(t);
  const configPath = join(dir, "custom.json5");
  await writeFile(
    configPath,
    `// heartbeats off and a token, so both visibly come from this file
{
  heartbeat: { enabled: false, },
  gateway: {
    auth: { token: 'json5-token-1234', }, /* single quotes too */
  },
}
`,
  );
  const { gw, stateDir } = await startCliGateway(t, ["--port", "0"], { CLAWDBOT_CONFIG_PATH: configPath });
  const r = await runCli(["call", "status", "--json", "--url", gw.url, "--token", "json5-token-1234"], { stateDir });
  assert.equal(r.code, 0, r.stderr);
  const s = jsonOut<Record<string, unknown>>(r);
  assert.equal(s["configPath"], configPath);
  assert.equal(s["heartbeats"], false);
  assert.equal(s["auth"], "token");
});

test("gateway --bind lan without a token refuses to start and says a token is needed", async (t) => {
  const r = await gatewayFails(t, ["--port", "0", "--bind", "lan"], { stateDir: await tempDir(t) });
  assert.equal(r.code, 1);
  assert.match(failureLine(r.stderr), /token/);
  assert.doesNotMatch(r.stdout, /listening/);
});

test("a config value of the wrong type stops the gateway (exit 1) naming the key", async (t) => {
  const stateDir = await tempDir(t);
  await writeFile(join(stateDir, "clawdbot.json"), `{ gateway: { port: "abc" } }`);
  const r = await gatewayFails(t, [], { stateDir });
  assert.equal(r.code, 1);
  const line = failureLine(r.stderr);
  assert.ok(line.includes("gateway.port"), line);
  assert.ok(line.includes(join(stateDir, "clawdbot.json")), line);
});

test("an unknown config key given with --config stops the gateway (exit 1) naming the key", async (t) => {
  const dir = await tempDir(t);
  const configPath = join(dir, "typo.json");
  await writeFile(configPath, `{ gateway: { prot: 18789 } }`);
  const r = await gatewayFails(t, ["--config", configPath], { stateDir: dir });
  assert.equal(r.code, 1);
  const line = failureLine(r.stderr);
  assert.match(line, /\bprot\b/);
  assert.match(line, /gateway/);
});

test("a port already in use stops the gateway with a message saying so", async (t) => {
  const server = await listenTcp((s) => s.destroy());
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const port = portOf(server);
  const r = await gatewayFails(t, ["--port", String(port)], { stateDir: await tempDir(t) });
  assert.notEqual(r.code, 0);
  const line = failureLine(r.stderr);
  assert.match(line, /in use/);
  assert.ok(line.includes(String(port)), line);
});

test("a second gateway on the same state dir refuses to start (one gateway per host)", async (t) => {
  const { gw, stateDir } = await startCliGateway(t, ["--port", "0"]);
  const r = await spawnGateway(t, ["--port", "0"], { stateDir });
  if (r.ok) {
    r.gw.child.kill("SIGTERM");
    assert.fail(`a second gateway started on ${r.gw.url} beside ${gw.url}, sharing ${stateDir}`);
  }
  assert.notEqual(r.failure.code, 0);
  assert.match(failureLine(r.failure.stderr), /already running|another gateway|lock/i);
});

test("gateway --config naming a file that does not exist stops with exit 1 instead of starting on defaults", async (t) => {
  const dir = await tempDir(t);
  const missing = join(dir, "nope.json5");
  const r = await gatewayFails(t, ["--port", "0", "--config", missing], { stateDir: dir });
  assert.equal(r.code, 1);
  const line = failureLine(r.stderr);
  assert.ok(line.includes(missing), line);
  assert.match(line, /no such config file/);
  assert.doesNotMatch(r.stdout, /listening/);
  const viaEnv = await gatewayFails(t, ["--port", "0"], { stateDir: dir, env: { CLAWDBOT_CONFIG_PATH: missing } });
  assert.equal(viaEnv.code, 1);
  assert.match(failureLine(viaEnv.stderr), /no such config file/);
});

test("an invalid config stops the gateway listing every problem at once, enums with their allowed values", async (t) => {
  const stateDir = await tempDir(t);
  await writeFile(join(stateDir, "clawdbot.json"), `{ agent: { backend: "gpt" }, gateway: { port: "abc", bnd: "lan" }, logging: { level: "loud" } }`);
  const r = await gatewayFails(t, [], { stateDir });
  assert.equal(r.code, 1);
  const line = failureLine(r.stderr);
  assert.match(line, /4 problems: /);
  assert.match(line, /agent\.backend must be one of echo, openai, command \(got "gpt"\)/);
  assert.match(line, /logging\.level must be one of trace, debug, info, warn, error, fatal, silent \(got "loud"\)/);
  assert.match(line, /gateway\.port must be a whole number \(got "abc"\)/);
  assert.match(line, /gateway\.bnd is not a setting of gateway \(did you mean bind\?\)/);
});

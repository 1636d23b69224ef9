// `--version`, `gateway` and the hot commands (health, status, call, pair list) skip oclif: same
// output and exit codes as the full CLI (CLAWDBOT_CLI_FULL=1), and far fewer modules loaded.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startGateway, type TestGateway } from "../support/gateway.js";
import { loadedModules, loadedPackages, moduleTraceEnv } from "../support/module-trace.js";
import { freePort, runCli, spawnGateway, tempDir, type CliResult } from "./run-cli.js";

const FULL = { CLAWDBOT_CLI_FULL: "1" };

/** Durations, uptimes and timestamps differ between two runs; everything else must not. */
function stable(text: string): string {
  return text.replace(/\d+/g, "N");
}

function sameResult(lean: CliResult, full: CliResult, what: string): void {
  assert.equal(lean.code, full.code, `${what}: exit codes differ\nlean stderr: ${lean.stderr}\nfull stderr: ${full.stderr}`);
  assert.equal(stable(lean.stdout), stable(full.stdout), `${what}: stdout differs`);
  assert.equal(stable(lean.stderr), stable(full.stderr), `${what}: stderr differs`);
}

/** Sidecar modules a hot command may load: where the state dir and the running gateway are, the default port, atomic writes. */
const SIDECAR_ALLOWED = ["config/basics.js", "config/paths.js", "config/errors.js", "config/listen-address.js", "daemon/running-gateway.js", "store/atomic-file.js"];

describe("the lean path against a running gateway", () => {
  let gw: TestGateway;
  let state: string;
  before(async () => {
    gw = await startGateway();
    state = gw.stateDir;
  });
  after(() => gw.stop());

  const commandLines: string[][] = [
    ["health"],
    ["health", "--json"],
    ["status", "--json", "--timeout", "5000"],
    ["pair", "list"],
    ["pair", "list", "--json"],
    ["call", "health"],
    ["call", "health", "--params", "{}", "--no-final"],
    ["call", "health", "--json", "--params={}"],
    // Declined by the lean parser, explained by oclif: the same either way.
    ["health", "--bogus"],
    ["health", "--timeout", "0"],
    ["health", "--token", "short"],
    ["call"],
    ["call", "health", "--params", "[1]"],
    ["status", "extra-argument"],
  ];
  for (const args of commandLines) {
    test(`clawdbot ${args.join(" ")}: lean and full CLI answer alike`, async () => {
      const withUrl = [...args, ...(args.includes("--token") ? [] : ["--url", gw.url])];
      // The first run pairs the CLI's device (auto-approved locally), so both runs below are alike.
      await runCli(["health", "--url", gw.url], { stateDir: state });
      const full = await runCli(withUrl, { stateDir: state, env: FULL });
      const lean = await runCli(withUrl, { stateDir: state });
      sameResult(lean, full, args.join(" "));
    });
  }

  test("clawdbot health loads neither oclif nor sidecar code beyond paths and atomic writes", async (t) => {
    const trace = `${await tempDir(t)}/modules.trace`;
    const r = await runCli(["health", "--url", gw.url], { stateDir: state, env: moduleTraceEnv(trace), killAfterMs: 120_000 });
    assert.equal(r.code, 0, r.stderr);
    const packages = await loadedPackages(trace);
    assert.ok(packages.has("ws"), "the trace sees the client's ws");
    for (const name of ["@oclif/core", "ajv", "pino"]) assert.equal(packages.has(name), false, `${name} was loaded`);
    const sidecar = [...(await loadedModules(trace))].filter((url) => url.includes("/sidecar/dist/"));
    assert.deepEqual(sidecar.filter((url) => !SIDECAR_ALLOWED.some((ok) => url.endsWith(`/sidecar/dist/${ok}`))), []);
  });
});

test("clawdbot --version and -v print oclif's answer without loading any module", async (t) => {
  const state = await tempDir(t);
  for (const flag of ["--version", "-v"]) {
    const full = await runCli([flag], { stateDir: state, env: FULL });
    const trace = `${state}/modules${flag}.trace`;
    const lean = await runCli([flag], { stateDir: state, env: moduleTraceEnv(trace), killAfterMs: 120_000 });
    sameResult(lean, full, flag);
    assert.match(lean.stdout, /^clawdbot\/\d+\.\d+\.\d+ \S+-\S+ node-v\d+/);
    const modules = [...(await loadedModules(trace))].filter((url) => url.startsWith("file:"));
    assert.deepEqual(modules.filter((url) => !url.endsWith("/cli/bin/run.js") && !url.includes("/test/support/module-trace/")), []);
  }
});

test("failures are the same line and exit code on both paths", async (t) => {
  const state = await tempDir(t);
  const url = `ws://127.0.0.1:${await freePort()}`;
  for (const args of [["health"], ["health", "--json"], ["status"], ["call", "status", "--json"], ["pair", "list"]]) {
    const full = await runCli([...args, "--url", url], { stateDir: state, env: FULL });
    const lean = await runCli([...args, "--url", url], { stateDir: state });
    sameResult(lean, full, args.join(" "));
    assert.equal(lean.code, 3, lean.stderr);
  }
  const badUrl = await runCli(["health", "--url", "http://127.0.0.1:1"], { stateDir: state });
  sameResult(badUrl, await runCli(["health", "--url", "http://127.0.0.1:1"], { stateDir: state, env: FULL }), "http url");
  assert.equal(badUrl.code, 2);
});

test("clawdbot gateway starts without oclif; its refusals match the full command", async (t) => {
  const state = await tempDir(t);
  const trace = `${state}/modules.trace`;
  const r = await spawnGateway(t, ["--port", "0", "--canvas-port", "0"], { stateDir: state, env: moduleTraceEnv(trace), killAfterMs: 120_000 });
  if (!r.ok) assert.fail(`gateway exited ${r.failure.code}\nstderr:\n${r.failure.stderr}`);
  assert.equal((await loadedPackages(trace)).has("@oclif/core"), false, "oclif was loaded by clawdbot gateway");
  r.gw.child.kill("SIGTERM");
  assert.deepEqual(await r.gw.exited, { code: 0, signal: null });
  for (const args of [["--port", "70000"], ["--token", "short"], ["--bind", "lan"], ["--config", `${state}/missing.json`], ["--json"]]) {
    const lean = await runCli(["gateway", ...args], { stateDir: state, killAfterMs: 120_000 });
    const full = await runCli(["gateway", ...args], { stateDir: state, env: FULL, killAfterMs: 120_000 });
    sameResult(lean, full, `gateway ${args.join(" ")}`);
    assert.notEqual(lean.code, 0, `gateway ${args.join(" ")} was refused`);
  }
});

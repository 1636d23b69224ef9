// Secrets off the command line: `--token-file` for the gateway and its clients, and a warning at
// start-up when a secret was passed as an argument (every local user can read argv with ps).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { CLI_BIN, cliEnv, gatewayFails, lines, runCli, spawnGateway, tempDir } from "./run-cli.js";
import { eventually } from "../support/wait.js";

const TOKEN = "token-file-secret-0123456789";
const WARNING = /--token on the command line can be read by every local user \(ps\)/g;

test("gateway --token-file: the token is enforced, never appears in the process's argv, and no warning is printed", async (t) => {
  const stateDir = await tempDir(t);
  const file = join(stateDir, "gateway.token");
  await writeFile(file, `${TOKEN}\n`, { mode: 0o600 });
  const r = await spawnGateway(t, ["--port", "0", "--token-file", file], { stateDir });
  if (!r.ok) assert.fail(`gateway failed: ${r.failure.stderr}${r.failure.stdout}`);
  const { gw } = r;
  if (process.platform === "linux") {
    const argv = await readFile(`/proc/${gw.child.pid}/cmdline`, "utf8");
    assert.ok(argv.includes("--token-file"));
    assert.ok(!argv.includes(TOKEN), "the token is visible in the process list");
  }
  assert.doesNotMatch(gw.stdout() + gw.stderr(), WARNING);

  const clientState = await tempDir(t);
  const ok = await runCli(["health", "--url", gw.url, "--token-file", file], { stateDir: clientState });
  assert.equal(ok.code, 0, ok.stderr);
  const viaEnv = await runCli(["health", "--url", gw.url], { stateDir: await tempDir(t), env: { CLAWDBOT_GATEWAY_TOKEN_FILE: file } });
  assert.equal(viaEnv.code, 0, viaEnv.stderr);
  const wrongFile = join(clientState, "wrong.token");
  await writeFile(wrongFile, "not-the-gateway-token\n", { mode: 0o600 });
  const wrong = await runCli(["health", "--url", gw.url, "--token-file", wrongFile], { stateDir: await tempDir(t) });
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.stderr, /unauthorized|token/i);
});

test("gateway --token prints the argv warning exactly once at start-up", async (t) => {
  const stateDir = await tempDir(t);
  const r = await spawnGateway(t, ["--port", "0", "--token", TOKEN], { stateDir });
  if (!r.ok) assert.fail(`gateway failed: ${r.failure.stderr}${r.failure.stdout}`);
  const out = r.gw.stdout() + r.gw.stderr();
  assert.equal(out.match(WARNING)?.length, 1, out);
  assert.match(out, /CLAWDBOT_GATEWAY_TOKEN|--token-file/);
});

test("--token-file that cannot be read, is too short, or is given with --token is refused naming the problem", async (t) => {
  const stateDir = await tempDir(t);
  const missing = join(stateDir, "nope.token");
  const gone = await gatewayFails(t, ["--port", "0", "--token-file", missing], { stateDir });
  assert.equal(gone.code, 1);
  assert.ok(gone.stderr.includes(missing), gone.stderr);

  const short = join(stateDir, "short.token");
  await writeFile(short, "abc\n");
  const tooShort = await runCli(["health", "--token-file", short], { stateDir });
  assert.equal(tooShort.code, 2, tooShort.stderr);
  assert.match(tooShort.stderr, /at least 8/);

  const both = await runCli(["health", "--token", TOKEN, "--token-file", short], { stateDir });
  assert.equal(both.code, 2);
  assert.match(lines(both.stderr).join("\n"), /cannot also be provided|--token/);
});

test("node run --token warns once at start-up that the token is visible in the process list", async (t) => {
  const stateDir = await tempDir(t);
  // Nothing listens on port 9 (discard): the node keeps retrying; the warning comes before any connect.
  const child = spawn(process.execPath, [CLI_BIN, "node", "run", "--url", "ws://127.0.0.1:9", "--token", TOKEN], {
    env: cliEnv(stateDir),
    stdio: ["ignore", "pipe", "pipe"],
  });
  t.after(() => child.kill("SIGKILL"));
  let err = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
  await eventually("the node host warns about --token", () => err.includes("can be read by every local user") || child.exitCode !== null, 60_000);
  assert.equal(err.match(WARNING)?.length, 1, err);
});

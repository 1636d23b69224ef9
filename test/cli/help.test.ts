// Help output of the built CLI: every command listed, every flag documented.
import { test } from "node:test";
import assert from "node:assert/strict";
import { runCli, tempDir } from "./run-cli.js";

test("clawdbot --help exits 0 and lists every command", async (t) => {
  const r = await runCli(["--help"], { stateDir: await tempDir(t) });
  assert.equal(r.code, 0, r.stderr);
  for (const cmd of ["gateway", "health", "status", "call"]) assert.match(r.stdout, new RegExp(`^\\s+${cmd}\\s+\\S`, "m"), cmd);
});

test("clawdbot health --help exits 0 and lists the connection flags and --json", async (t) => {
  const r = await runCli(["health", "--help"], { stateDir: await tempDir(t) });
  assert.equal(r.code, 0, r.stderr);
  for (const flag of ["--url", "--token", "--password", "--timeout", "--tls-fingerprint", "--json"]) {
    assert.ok(r.stdout.includes(flag), `${flag} missing from:\n${r.stdout}`);
  }
});

test("clawdbot gateway --help exits 0 and lists its flags", async (t) => {
  const r = await runCli(["gateway", "--help"], { stateDir: await tempDir(t) });
  assert.equal(r.code, 0, r.stderr);
  for (const flag of ["--port", "--bind", "--token", "--password", "--config", "--verbose"]) {
    assert.ok(r.stdout.includes(flag), `${flag} missing from:\n${r.stdout}`);
  }
});

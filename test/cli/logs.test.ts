// `clawdbot logs` and the gateway's log file: found through the running gateway, formatted, filtered
// by level, followed across rotation; the journal when the file is off; logs.tail naming the file.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { appendFile, chmod, mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { eventually } from "../support/wait.js";
import { CLI_BIN, cliEnv, jsonOut, lines, runCli, spawnGateway, tempDir, type CliGateway } from "./run-cli.js";

const LINE = /^\d\d:\d\d:\d\d\.\d{3} (TRACE|DEBUG|INFO |WARN |ERROR|FATAL) [\w/]+: \S/;

async function started(t: TestContext, stateDir: string, env: Record<string, string> = {}): Promise<CliGateway> {
  const r = await spawnGateway(t, ["--port", "0", "--canvas-port", "0"], { stateDir, env });
  if (!r.ok) assert.fail(`gateway exited ${r.failure.code}\nstdout:\n${r.failure.stdout}\nstderr:\n${r.failure.stderr}`);
  return r.gw;
}

test("run as a service (CLAWDBOT_SERVICE=1) the gateway writes <stateDir>/logs/gateway.log; `clawdbot logs` reads, formats and filters it", async (t) => {
  const stateDir = await tempDir(t);
  const gw = await started(t, stateDir, { CLAWDBOT_SERVICE: "1" });
  const path = join(stateDir, "logs", "gateway.log");
  await eventually("the log file has the listening line", async () => (await readFile(path, "utf8").catch(() => "")).includes("gateway listening"));
  assert.match(gw.stdout(), new RegExp(`^ {2}log file: +${path}$`, "m"));
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  for (const raw of (await readFile(path, "utf8")).trim().split("\n")) {
    const l = JSON.parse(raw) as Record<string, unknown>;
    assert.deepEqual(
      ["time", "level", "subsystem", "message"].map((k) => typeof l[k]),
      ["string", "string", "string", "string"],
      raw,
    );
  }
  // Something at warn level, as a bad connect attempt leaves.
  const bad = await runCli(["call", "nope.method"], { stateDir });
  assert.equal(bad.code, 7);

  const all = await runCli(["logs", "-n", "50"], { stateDir });
  assert.equal(all.code, 0, all.stderr);
  const shown = lines(all.stdout);
  assert.ok(shown.length > 2, all.stdout);
  for (const l of shown) assert.match(l, LINE);
  assert.ok(shown.some((l) => / INFO {2}gateway: gateway listening /.test(l)), all.stdout);

  const warn = await runCli(["logs", "--level", "warn"], { stateDir });
  assert.equal(warn.code, 0, warn.stderr);
  for (const l of lines(warn.stdout)) assert.match(l, / (WARN |ERROR|FATAL) /);
  assert.ok(!warn.stdout.includes("gateway listening"));

  const json = await runCli(["logs", "-n", "3", "--json"], { stateDir });
  const parsed = jsonOut<{ time: string; level: string; subsystem: string; message: string }[]>(json);
  assert.equal(parsed.length, 3);
  for (const p of parsed) assert.ok(p.time && p.level && p.subsystem && typeof p.message === "string");

  // logs.tail names the file, and its size and cursor are byte positions.
  const tail = jsonOut<{ file: string; size: number; cursor: number; lines: string[] }>(await runCli(["call", "logs.tail", "--params", '{"limit":5}'], { stateDir }));
  assert.equal(tail.file, path);
  assert.ok(tail.size > 0 && tail.cursor === tail.size, JSON.stringify(tail));
  assert.equal(tail.lines.length, 5);
  for (const raw of tail.lines) {
    const l = JSON.parse(raw) as Record<string, unknown>;
    for (const k of ["time", "level", "subsystem", "message"]) assert.equal(typeof l[k], "string", `${k} in ${raw}`);
  }
  const next = jsonOut<{ lines: string[]; reset: boolean }>(await runCli(["call", "logs.tail", "--params", JSON.stringify({ cursor: tail.cursor })], { stateDir }));
  assert.equal(next.reset, false);
  assert.ok(!next.lines.some((l) => tail.lines.includes(l)), "a cursor returns only newer lines");
});

test("`clawdbot logs -f` follows the file, across a rotation, until Ctrl-C", async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, "gateway.log");
  const entry = (message: string, level = "info") => `${JSON.stringify({ time: new Date().toISOString(), level, subsystem: "gateway", message })}\n`;
  await writeFile(path, entry("old line"));
  const child = spawn(process.execPath, [CLI_BIN, "logs", "-f", "--file", path], { env: cliEnv(dir), stdio: ["ignore", "pipe", "pipe"] });
  t.after(() => child.kill("SIGKILL"));
  let out = "";
  let err = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
  const exited = new Promise<number | null>((r) => child.once("close", (c) => r(c)));
  await eventually("the existing line is shown", () => out.includes("old line"), 60_000);
  await appendFile(path, entry("appended"));
  await eventually("an appended line is shown", () => out.includes("appended"), 30_000);
  await rename(path, `${path}.1`);
  await writeFile(path, entry("after rotation", "warn"));
  await eventually("the new file is read from its start", () => out.includes("after rotation"), 30_000);
  child.kill("SIGINT");
  assert.equal(await exited, 0, err);
  assert.match(out, /WARN {2}gateway: after rotation/);
});

test("with no log file, `clawdbot logs` reads the service journal (journalctl --user -u clawdbot-gateway -o cat)", { skip: process.platform !== "linux" }, async (t) => {
  const stateDir = await tempDir(t);
  const bin = join(stateDir, "bin");
  await mkdir(bin);
  const argvFile = join(stateDir, "argv");
  // A stand-in for journalctl that records its arguments and prints what the journal would hold.
  const script = `#!/bin/sh
echo "$@" > '${argvFile}'
echo '{"time":"2025-01-02T03:04:05.006Z","level":"info","subsystem":"gateway","message":"from the journal"}'
echo '{"level":50,"time":1735787045006,"msg":"an older pino line"}'
echo 'plain text line'
`;
  await writeFile(join(bin, "journalctl"), script);
  await chmod(join(bin, "journalctl"), 0o755);
  const r = await runCli(["logs", "-n", "20"], { stateDir, env: { PATH: `${bin}:${process.env["PATH"] ?? ""}` } });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(lines(r.stdout), ["03:04:05.006 INFO  gateway: from the journal", "03:04:05.006 ERROR gateway: an older pino line", "plain text line"]);
  assert.equal((await readFile(argvFile, "utf8")).trim(), "--user -u clawdbot-gateway -o cat -n 20 --no-pager");
  const errors = await runCli(["logs", "--level", "error"], { stateDir, env: { PATH: `${bin}:${process.env["PATH"] ?? ""}` } });
  assert.deepEqual(lines(errors.stdout), ["03:04:05.006 ERROR gateway: an older pino line"]);
});

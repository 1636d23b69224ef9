// `clawdbot daemon …` run as a user would: dry runs on both platforms, errors as one line, help.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import plist from "plist";
import { execRunner, CommandFailedError, type DaemonResult } from "../../cli/src/daemon/index.js";
import { jsonOut, lines, runCli, type CliResult } from "../cli/run-cli.js";
import { parseIni, spacedTempDir, systemdWords } from "./helpers.js";

const TOKEN = "secret-123456";

async function daemonCli(t: import("node:test").TestContext, args: string[], env: Record<string, string | undefined> = {}) {
  const home = await spacedTempDir(t, "home dir");
  const stateDir = join(home, "state dir");
  const r = await runCli(["daemon", ...args], { stateDir, env: { HOME: home, ...env } });
  return { r, home, stateDir };
}

function assertExit(r: CliResult, code: number): void {
  assert.equal(r.code, code, `expected exit ${code}, got ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
}

function assertOneLine(r: CliResult, pattern: RegExp): void {
  assert.equal(r.stdout, "");
  const err = lines(r.stderr);
  assert.equal(err.length, 1, r.stderr);
  assert.match(err[0]!, pattern);
}

test("install --dry-run --json --platform linux: the unit without the token, the token file path, the commands", async (t) => {
  const { r, home, stateDir } = await daemonCli(t, ["install", "--dry-run", "--json", "--platform", "linux", "--token", TOKEN]);
  assertExit(r, 0);
  assert.ok(!r.stdout.includes(TOKEN) && !r.stderr.includes(TOKEN), "the token is never printed");
  const out = jsonOut<DaemonResult>(r);
  const unitPath = join(home, ".config", "systemd", "user", "clawdbot-gateway.service");
  const tokenFile = join(stateDir, "gateway.token");
  assert.equal(out.platform, "linux");
  assert.equal(out.dryRun, true);
  assert.deepEqual(out.files.map((f) => [f.path, f.mode]), [
    [tokenFile, "0600"],
    [unitPath, "0644"],
  ]);
  assert.equal(out.files[0]!.content, null);
  assert.deepEqual(out.commands, [
    ["systemctl", "--user", "daemon-reload"],
    ["systemctl", "--user", "enable", "--now", "clawdbot-gateway.service"],
  ]);
  assert.ok(out.notes.some((n) => /loginctl enable-linger/.test(n)));
  const service = parseIni(out.files[1]!.content!).get("Service")!;
  const exec = systemdWords(service.get("ExecStart")![0]!, { dollars: true });
  assert.equal(exec[0], process.execPath);
  assert.ok(existsSync(exec[1]!) && exec[1]!.endsWith(join("cli", "bin", "run.js")), exec[1]);
  assert.deepEqual(exec.slice(2), ["gateway"]);
  const env = service.get("Environment")!.flatMap((v) => systemdWords(v, { dollars: false }));
  assert.ok(env.includes(`CLAWDBOT_STATE_DIR=${stateDir}`));
  assert.ok(env.includes(`CLAWDBOT_GATEWAY_TOKEN_FILE=${tokenFile}`));
  assert.deepEqual(await readdir(home), [], "a dry run writes nothing");
});

test("install --dry-run --json --platform darwin: the plist parses, has the token file path and not the token", async (t) => {
  const { r, home, stateDir } = await daemonCli(t, ["install", "--dry-run", "--json", "--platform", "darwin", "--port", "18800", "--bind", "lan"], {
    CLAWDBOT_GATEWAY_TOKEN: TOKEN,
  });
  assertExit(r, 0);
  assert.ok(!r.stdout.includes(TOKEN));
  const out = jsonOut<DaemonResult>(r);
  const plistPath = join(home, "Library", "LaunchAgents", "com.clawdbot.gateway.plist");
  assert.deepEqual(out.files.map((f) => f.path), [join(stateDir, "gateway.token"), plistPath]);
  assert.deepEqual(out.dirs, [stateDir, join(home, "Library", "Logs", "clawdbot")]);
  const doc = plist.parse(out.files[1]!.content!) as { ProgramArguments: string[]; EnvironmentVariables: Record<string, string>; StandardOutPath: string };
  assert.equal(doc.ProgramArguments[0], process.execPath);
  assert.ok(existsSync(doc.ProgramArguments[1]!));
  assert.deepEqual(doc.ProgramArguments.slice(2), ["gateway", "--port", "18800", "--bind", "lan"]);
  assert.equal(doc.EnvironmentVariables["CLAWDBOT_GATEWAY_TOKEN_FILE"], join(stateDir, "gateway.token"));
  assert.equal(doc.EnvironmentVariables["CLAWDBOT_STATE_DIR"], stateDir);
  assert.equal(doc.StandardOutPath, join(home, "Library", "Logs", "clawdbot", "gateway.log"));
  const uid = process.getuid?.() ?? 0;
  assert.deepEqual(out.commands, [
    ["launchctl", "bootout", `gui/${uid}/com.clawdbot.gateway`],
    ["launchctl", "bootstrap", `gui/${uid}`, plistPath],
  ]);
  assert.deepEqual(await readdir(home), []);
});

test("human --dry-run prints the file verbatim, the token file path, and each command line", async (t) => {
  const { r, home, stateDir } = await daemonCli(t, ["install", "--dry-run", "--platform", "linux", "--token", TOKEN]);
  assertExit(r, 0);
  assert.ok(!r.stdout.includes(TOKEN));
  const unitPath = join(home, ".config", "systemd", "user", "clawdbot-gateway.service");
  assert.ok(r.stdout.includes(`would write ${join(stateDir, "gateway.token")} (mode 0600): the gateway token (not shown)`), r.stdout);
  assert.ok(r.stdout.includes(`would write ${unitPath} (mode 0644):\n# Written by`), r.stdout);
  assert.match(r.stdout, /^Restart=on-failure$/m);
  assert.match(r.stdout, /^would run: systemctl --user daemon-reload$/m);
  assert.match(r.stdout, /^would run: systemctl --user enable --now clawdbot-gateway.service$/m);
  assert.deepEqual(await readdir(home), []);
});

test("every subcommand takes --dry-run and changes nothing", async (t) => {
  for (const action of ["uninstall", "start", "stop", "restart", "status", "logs"]) {
    for (const platform of ["linux", "darwin"]) {
      const { r, home } = await daemonCli(t, [action, "--dry-run", "--json", "--platform", platform]);
      assertExit(r, 0);
      const out = jsonOut<DaemonResult>(r);
      assert.equal(out.action, action);
      assert.equal(out.dryRun, true);
      assert.deepEqual(await readdir(home), [], `${action} ${platform}`);
    }
  }
});

test("managing the other platform's service needs --dry-run; the refusal is one line", async (t) => {
  const other = process.platform === "darwin" ? "linux" : "darwin";
  const { r } = await daemonCli(t, ["status", "--platform", other]);
  assertExit(r, 1);
  assertOneLine(r, new RegExp(`^clawdbot: cannot manage a ${other} service on ${process.platform}; add --dry-run`));
  const json = (await daemonCli(t, ["status", "--platform", other, "--json"])).r;
  assertExit(json, 1);
  assert.equal(jsonOut<{ error: { code: string } }>(json).error.code, "wrong-platform");
});

test("bad flags: unknown platform, short token, --follow with --json", async (t) => {
  const platform = (await daemonCli(t, ["install", "--dry-run", "--platform", "win32"])).r;
  assertExit(platform, 2);
  assertOneLine(platform, /^clawdbot: .*win32/);
  const token = (await daemonCli(t, ["install", "--dry-run", "--platform", "linux", "--token", "short"])).r;
  assertExit(token, 2);
  assertOneLine(token, /^clawdbot: the gateway token must be at least 8 characters$/);
  const follow = (await daemonCli(t, ["logs", "--follow", "--json"])).r;
  assertExit(follow, 2);
});

test("daemon help lists the subcommands and install's flags", async (t) => {
  const { r } = await daemonCli(t, ["--help"]);
  assertExit(r, 0);
  for (const cmd of ["install", "uninstall", "start", "stop", "restart", "status", "logs"]) assert.match(r.stdout, new RegExp(`daemon ${cmd}\\s`), cmd);
  const install = (await daemonCli(t, ["install", "--help"])).r;
  for (const flag of ["--dry-run", "--json", "--platform", "--port", "--bind", "--token"]) assert.ok(install.stdout.includes(flag), flag);
});

test("the real runner captures exit codes and reports a missing program as one line", async () => {
  const res = await execRunner.capture([process.execPath, "-e", "process.stderr.write('boom'); process.exit(3)"]);
  assert.deepEqual(res, { code: 3, stdout: "", stderr: "boom" });
  await assert.rejects(execRunner.capture(["clawdbot-no-such-program", "--user"]), (err: unknown) => {
    assert.ok(err instanceof CommandFailedError);
    assert.ok(!err.message.includes("\n"));
    assert.match(err.message, /^`clawdbot-no-such-program --user` failed: .*ENOENT/);
    return true;
  });
});

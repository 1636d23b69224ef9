// The real install/uninstall/start/stop/restart/status/logs logic in-process: a temp HOME with
// spaces, a recording runner instead of launchctl/systemctl, real files and modes on disk.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readFile, readdir, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { CommandFailedError, DaemonError, runDaemonAction, servicePaths, type Action, type DaemonHost } from "../../cli/src/daemon/index.js";
import { FakeRunner, NOW, testHost } from "./helpers.js";

const TOKEN = "secret-123456";
const UNIT = "clawdbot-gateway.service";

async function mode(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

function act(host: DaemonHost, runner: FakeRunner, action: Action, extra: { token?: string; port?: number; dryRun?: boolean; follow?: boolean } = {}) {
  const install = { ...(extra.token !== undefined ? { token: extra.token } : {}), ...(extra.port !== undefined ? { port: extra.port } : {}) };
  return runDaemonAction({ action, host, runner, dryRun: extra.dryRun ?? false, install, logs: { lines: 200, follow: extra.follow ?? false } });
}

/** No temp files left behind by the atomic writes. */
async function assertNoTempFiles(dir: string): Promise<void> {
  const names = await readdir(dir);
  assert.deepEqual(names.filter((n) => n.endsWith(".tmp")), [], `temp files in ${dir}`);
}

test("linux install writes the unit (0644) and token (0600), then daemon-reload and enable --now", async (t) => {
  const host = await testHost(t, "linux");
  const paths = servicePaths(host);
  const runner = new FakeRunner();
  const { result } = await act(host, runner, "install", { token: TOKEN, port: 18790 });

  assert.deepEqual(runner.calls, [
    ["systemctl", "--user", "daemon-reload"],
    ["systemctl", "--user", "enable", "--now", UNIT],
  ]);
  assert.equal(await mode(paths.unit), 0o644);
  assert.equal(await mode(paths.tokenFile), 0o600);
  assert.equal(await mode(host.stateDir), 0o700);
  assert.equal(await readFile(paths.tokenFile, "utf8"), `${TOKEN}\n`);
  const unit = await readFile(paths.unit, "utf8");
  assert.ok(!unit.includes(TOKEN));
  assert.ok(unit.includes(`Environment="CLAWDBOT_GATEWAY_TOKEN_FILE=${paths.tokenFile}"`), unit);
  assert.ok(unit.includes(`"--port" "18790"`));
  assert.ok(!existsSync(paths.restartMarker), "a first install is not a restart");
  await assertNoTempFiles(dirname(paths.unit));
  await assertNoTempFiles(host.stateDir);

  assert.equal(result.dryRun, false);
  assert.deepEqual(result.commands, runner.calls);
  assert.deepEqual(result.files.map((f) => [f.path, f.mode, f.content === null]), [
    [paths.tokenFile, "0600", true],
    [paths.unit, "0644", false],
  ]);
  assert.ok(!JSON.stringify(result).includes(TOKEN), "the result never carries the token");
  assert.ok(result.notes.some((n) => n.includes("loginctl enable-linger tester")));
});

test("linux install twice: same unit, restart instead of enable --now, restart marker written", async (t) => {
  const host = await testHost(t, "linux");
  const paths = servicePaths(host);
  await act(host, new FakeRunner(), "install", { token: TOKEN });
  const first = await readFile(paths.unit, "utf8");

  const runner = new FakeRunner();
  await act(host, runner, "install", { token: TOKEN });
  assert.equal(await readFile(paths.unit, "utf8"), first, "same content");
  assert.deepEqual(runner.calls, [
    ["systemctl", "--user", "daemon-reload"],
    ["systemctl", "--user", "enable", UNIT],
    ["systemctl", "--user", "restart", UNIT],
  ]);
  assert.equal(await readFile(paths.restartMarker, "utf8"), String(NOW));
  assert.equal(await mode(paths.restartMarker), 0o600);
  assert.equal(await readFile(paths.tokenFile, "utf8"), `${TOKEN}\n`);
});

test("install without a token keeps an existing token file and still points the unit at it", async (t) => {
  const host = await testHost(t, "linux");
  const paths = servicePaths(host);
  await act(host, new FakeRunner(), "install", { token: TOKEN });
  const { result } = await act(host, new FakeRunner(), "install");
  assert.equal(await readFile(paths.tokenFile, "utf8"), `${TOKEN}\n`);
  assert.ok((await readFile(paths.unit, "utf8")).includes("CLAWDBOT_GATEWAY_TOKEN_FILE="));
  assert.ok(!result.files.some((f) => f.path === paths.tokenFile), "the token file is not rewritten");
  assert.ok(result.notes.some((n) => n.includes("keeping the gateway token")));
});

test("linux uninstall: disable --now, remove unit and token, daemon-reload", async (t) => {
  const host = await testHost(t, "linux");
  const paths = servicePaths(host);
  await act(host, new FakeRunner(), "install", { token: TOKEN });
  const runner = new FakeRunner();
  const { result } = await act(host, runner, "uninstall");
  assert.deepEqual(runner.calls, [
    ["systemctl", "--user", "disable", "--now", UNIT],
    ["systemctl", "--user", "daemon-reload"],
  ]);
  assert.ok(!existsSync(paths.unit));
  assert.ok(!existsSync(paths.tokenFile));
  assert.deepEqual(result.removes, [paths.unit, paths.tokenFile]);

  // Uninstalling again is harmless: disable may fail, nothing else does.
  const again = new FakeRunner((argv) => (argv.includes("disable") ? { code: 1, stderr: "Unit file clawdbot-gateway.service does not exist." } : {}));
  await act(host, again, "uninstall");
  assert.equal(again.calls.length, 2);
});

test("linux start, stop, restart, status and logs issue the documented commands", async (t) => {
  const host = await testHost(t, "linux");
  const paths = servicePaths(host);
  await act(host, new FakeRunner(), "install");
  const runner = new FakeRunner((argv) =>
    argv.includes("status")
      ? { code: 0, stdout: "● clawdbot-gateway.service - Clawdbot gateway\n     Loaded: loaded (/x; enabled; preset: enabled)\n     Active: active (running) since Tue 2025-11-25 10:00:00 UTC; 5s ago\n   Main PID: 4242 (node)\n" }
      : argv[0] === "journalctl"
        ? { stdout: '{"level":30,"msg":"listening"}\n' }
        : {},
  );
  await act(host, runner, "start");
  await act(host, runner, "stop");
  await act(host, runner, "restart");
  assert.equal(await readFile(paths.restartMarker, "utf8"), String(NOW), "restart leaves the intent marker first");
  const status = (await act(host, runner, "status")).result;
  const logs = (await act(host, runner, "logs")).result;
  await act(host, runner, "logs", { follow: true });
  assert.deepEqual(runner.calls, [
    ["systemctl", "--user", "start", UNIT],
    ["systemctl", "--user", "stop", UNIT],
    ["systemctl", "--user", "restart", UNIT],
    ["systemctl", "--user", "status", "--no-pager", UNIT],
    ["journalctl", "--user", "-u", "clawdbot-gateway", "-n", "200", "--no-pager"],
  ]);
  assert.deepEqual(runner.attached, [["journalctl", "--user", "-u", "clawdbot-gateway", "-n", "200", "--no-pager", "-f"]]);
  assert.deepEqual(status.service, { installed: true, loaded: true, running: true, state: "active (running)", pid: 4242 });
  assert.equal(logs.output, '{"level":30,"msg":"listening"}\n');
});

test("status of a stopped or unknown unit is an answer, not a failure", async (t) => {
  const host = await testHost(t, "linux");
  const inactive = new FakeRunner(() => ({ code: 3, stdout: "○ clawdbot-gateway.service - Clawdbot gateway\n     Loaded: loaded (/x; enabled)\n     Active: inactive (dead)\n" }));
  assert.deepEqual((await act(host, inactive, "status")).result.service, { installed: false, loaded: true, running: false, state: "inactive (dead)" });
  const unknown = new FakeRunner(() => ({ code: 4, stderr: "Unit clawdbot-gateway.service could not be found.\n" }));
  const r = (await act(host, unknown, "status")).result;
  assert.deepEqual(r.service, { installed: false, loaded: false, running: false, state: "not loaded" });
  assert.match(r.output ?? "", /could not be found/);
});

test("start, stop and restart refuse when nothing is installed, without running anything", async (t) => {
  for (const platform of ["linux", "darwin"] as const) {
    const host = await testHost(t, platform);
    for (const action of ["start", "stop", "restart"] as const) {
      const runner = new FakeRunner();
      await assert.rejects(act(host, runner, action), (err: unknown) => err instanceof DaemonError && err.code === "not-installed" && /clawdbot daemon install/.test(err.message));
      assert.deepEqual(runner.calls, []);
    }
    assert.ok(!existsSync(servicePaths(host).restartMarker));
  }
});

test("a failing systemctl stops the install with one line naming the command and its stderr", async (t) => {
  const host = await testHost(t, "linux");
  const runner = new FakeRunner((argv) => (argv.includes("daemon-reload") ? { code: 1, stderr: "Failed to connect to bus: No medium found\n" } : {}));
  await assert.rejects(act(host, runner, "install"), (err: unknown) => {
    assert.ok(err instanceof CommandFailedError);
    assert.equal(err.code, "command-failed");
    assert.ok(!err.message.includes("\n"));
    assert.match(err.message, /^`systemctl --user daemon-reload` failed: Failed to connect to bus: No medium found/);
    assert.match(err.message, /enable-linger/);
    return true;
  });
  assert.deepEqual(runner.calls, [["systemctl", "--user", "daemon-reload"]], "nothing after the failure");
});

test("darwin install: plist (0644), token (0600), log dir, bootout (may fail) then bootstrap; twice is idempotent", async (t) => {
  const host = await testHost(t, "darwin");
  const paths = servicePaths(host);
  const runner = new FakeRunner((argv) => (argv[1] === "bootout" ? { code: 3, stderr: "Boot-out failed: 3: No such process\n" } : {}));
  await act(host, runner, "install", { token: TOKEN });
  const domain = "gui/501";
  assert.deepEqual(runner.calls, [
    ["launchctl", "bootout", `${domain}/com.clawdbot.gateway`],
    ["launchctl", "bootstrap", domain, paths.plist],
  ]);
  assert.equal(await mode(paths.plist), 0o644);
  assert.equal(await mode(paths.tokenFile), 0o600);
  assert.equal(await readFile(paths.tokenFile, "utf8"), `${TOKEN}\n`);
  assert.ok((await stat(paths.logDir)).isDirectory());
  const first = await readFile(paths.plist, "utf8");
  assert.ok(!first.includes(TOKEN));
  assert.ok(!existsSync(paths.restartMarker));

  const again = new FakeRunner();
  await act(host, again, "install", { token: TOKEN });
  assert.equal(await readFile(paths.plist, "utf8"), first);
  assert.deepEqual(again.calls, runner.calls);
  assert.equal(await readFile(paths.restartMarker, "utf8"), String(NOW), "reinstalling a loaded agent is a restart");
  await assertNoTempFiles(dirname(paths.plist));
});

test("darwin start, stop, restart, status, logs and uninstall issue the documented launchctl commands", async (t) => {
  const host = await testHost(t, "darwin");
  const paths = servicePaths(host);
  await act(host, new FakeRunner(), "install", { token: TOKEN });
  const service = "gui/501/com.clawdbot.gateway";
  const runner = new FakeRunner((argv) =>
    argv[1] === "print" ? { stdout: `${service} = {\n\tactive count = 1\n\tstate = running\n\tpid = 777\n\tendpoints = {\n\t\tstate = active\n\t}\n}\n` } : {},
  );
  await act(host, runner, "start");
  await act(host, runner, "stop");
  await act(host, runner, "restart");
  assert.equal(await readFile(paths.restartMarker, "utf8"), String(NOW));
  const status = (await act(host, runner, "status")).result;
  assert.deepEqual(status.service, { installed: true, loaded: true, running: true, state: "running", pid: 777 });
  const noLogs = (await act(host, runner, "logs")).result;
  assert.deepEqual(noLogs.commands, [], "no log files yet: nothing to tail");
  assert.ok(noLogs.notes.some((n) => n.includes("no logs yet")));
  await act(host, runner, "logs", { follow: true });
  await act(host, runner, "uninstall");
  assert.deepEqual(runner.calls, [
    ["launchctl", "kickstart", service],
    ["launchctl", "kill", "SIGTERM", service],
    ["launchctl", "kickstart", "-k", service],
    ["launchctl", "print", service],
    ["launchctl", "bootout", service],
  ]);
  assert.deepEqual(runner.attached, [["tail", "-n", "200", "-F", paths.stdoutLog, paths.stderrLog]]);
  assert.ok(!existsSync(paths.plist));
  assert.ok(!existsSync(paths.tokenFile));
});

test("darwin status of an agent that is not loaded", async (t) => {
  const host = await testHost(t, "darwin");
  const runner = new FakeRunner(() => ({ code: 113, stderr: 'Could not find service "com.clawdbot.gateway" in domain for port\n' }));
  const { result } = await act(host, runner, "status");
  assert.deepEqual(result.service, { installed: false, loaded: false, running: false, state: "not loaded" });
});

test("--dry-run changes nothing and runs nothing, on either platform", async (t) => {
  for (const platform of ["linux", "darwin"] as const) {
    const host = await testHost(t, platform);
    const runner = new FakeRunner();
    for (const action of ["install", "uninstall", "start", "stop", "restart", "status", "logs"] as const) {
      const { result } = await act(host, runner, action, { token: TOKEN, dryRun: true });
      assert.equal(result.dryRun, true);
      assert.ok(!JSON.stringify(result).includes(TOKEN));
    }
    assert.deepEqual(runner.calls, []);
    assert.deepEqual(await readdir(host.home), [], `${platform}: HOME untouched`);
  }
});

// The plist and the unit as launchd and systemd read them: parsed back, verified, every value checked.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, join } from "node:path";
import plist from "plist";
import { DaemonError, planAction, servicePaths, type DaemonHost, type Plan } from "../../cli/src/daemon/index.js";
import { fillTemplate } from "../../cli/src/daemon/template.js";
import { parseIni, spacedTempDir, systemdWords, testHost } from "./helpers.js";

const TOKEN = "secret-123456";

/** The content the install plan would write to `path`. */
function written(plan: Plan, path: string): string {
  const step = plan.steps.find((s) => s.kind === "write" && s.path === path);
  assert.ok(step && step.kind === "write", `install writes ${path}`);
  return step.content;
}

function installPlan(host: DaemonHost, install: { port?: number; bind?: string; token?: string } = { port: 18790, bind: "lan", token: TOKEN }): Plan {
  return planAction({ action: "install", host, install });
}

test("the plist parses back with every key and value launchd needs, and no token", async (t) => {
  const host = await testHost(t, "darwin");
  const paths = servicePaths(host);
  const text = written(installPlan(host), paths.plist);
  assert.ok(!text.includes(TOKEN), "the token must never be in the plist");
  const doc = plist.parse(text) as Record<string, unknown>;
  assert.deepEqual(Object.keys(doc).sort(), [
    "EnvironmentVariables",
    "KeepAlive",
    "Label",
    "ProgramArguments",
    "RunAtLoad",
    "StandardErrorPath",
    "StandardOutPath",
    "ThrottleInterval",
    "WorkingDirectory",
  ]);
  assert.equal(doc["Label"], "com.clawdbot.gateway");
  const args = doc["ProgramArguments"] as string[];
  assert.deepEqual(args, [process.execPath, host.runJs, "gateway", "--port", "18790", "--bind", "lan"]);
  assert.ok(isAbsolute(args[0]!) && existsSync(args[0]!), `node ${args[0]} exists`);
  assert.ok(isAbsolute(args[1]!) && existsSync(args[1]!), `run.js ${args[1]} exists`);
  assert.match(args[1]!, /cli\/bin\/run\.js$/);
  assert.equal(doc["RunAtLoad"], true);
  assert.deepEqual(doc["KeepAlive"], { SuccessfulExit: false });
  assert.equal(doc["ThrottleInterval"], 10);
  assert.deepEqual(doc["EnvironmentVariables"], {
    CLAWDBOT_STATE_DIR: host.stateDir,
    CLAWDBOT_SERVICE: "1",
    CLAWDBOT_GATEWAY_TOKEN_FILE: join(host.stateDir, "gateway.token"),
    PATH: host.pathEnv,
  });
  assert.equal(doc["WorkingDirectory"], host.stateDir);
  assert.equal(doc["StandardOutPath"], join(host.home, "Library", "Logs", "clawdbot", "gateway.log"));
  assert.equal(doc["StandardErrorPath"], join(host.home, "Library", "Logs", "clawdbot", "gateway.err.log"));
  assert.equal(paths.plist, join(host.home, "Library", "LaunchAgents", "com.clawdbot.gateway.plist"));
});

test("plist values with XML metacharacters and spaces come back unchanged", async (t) => {
  const odd = `/tmp/a b & <c> "d" 'e' %f $g`;
  const host = await testHost(t, "darwin", { stateDir: odd, pathEnv: `${odd}:/usr/bin` });
  const text = written(installPlan(host, { bind: "10.0.0.1" }), servicePaths(host).plist);
  const doc = plist.parse(text) as Record<string, unknown>;
  assert.equal(doc["WorkingDirectory"], odd);
  assert.deepEqual(doc["EnvironmentVariables"], { CLAWDBOT_STATE_DIR: odd, CLAWDBOT_SERVICE: "1", PATH: `${odd}:/usr/bin` });
  assert.deepEqual(doc["ProgramArguments"], [process.execPath, host.runJs, "gateway", "--bind", "10.0.0.1"]);
  assert.ok(host.home.includes(" "));
  assert.equal(doc["StandardOutPath"], join(host.home, "Library", "Logs", "clawdbot", "gateway.log"));
});

test("without a token the plist has no token file variable", async (t) => {
  const host = await testHost(t, "darwin");
  const doc = plist.parse(written(installPlan(host, {}), servicePaths(host).plist)) as { EnvironmentVariables: Record<string, string>; ProgramArguments: string[] };
  assert.deepEqual(Object.keys(doc.EnvironmentVariables), ["CLAWDBOT_STATE_DIR", "CLAWDBOT_SERVICE", "PATH"]);
  assert.deepEqual(doc.ProgramArguments.slice(2), ["gateway"]);
});

test("the unit has every key, quoted values read back as given, and no token", async (t) => {
  const host = await testHost(t, "linux");
  const paths = servicePaths(host);
  const text = written(installPlan(host), paths.unit);
  assert.ok(!text.includes(TOKEN), "the token must never be in the unit");
  assert.equal(paths.unit, join(host.home, ".config", "systemd", "user", "clawdbot-gateway.service"));
  const ini = parseIni(text);
  assert.deepEqual([...ini.keys()], ["Unit", "Service", "Install"]);
  const one = (section: string, key: string) => {
    const values = ini.get(section)?.get(key);
    assert.equal(values?.length, 1, `${section}.${key} once`);
    return values![0]!;
  };
  assert.equal(one("Unit", "Description"), "Clawdbot gateway");
  assert.equal(one("Unit", "After"), "network-online.target");
  assert.equal(one("Unit", "Wants"), "network-online.target");
  assert.deepEqual([...ini.get("Service")!.keys()].sort(), [
    "Environment",
    "ExecStart",
    "KillSignal",
    "Restart",
    "RestartSec",
    "StandardError",
    "StandardOutput",
    "TimeoutStopSec",
    "Type",
    "WorkingDirectory",
  ]);
  assert.equal(one("Service", "Type"), "simple");
  assert.equal(one("Service", "Restart"), "on-failure");
  assert.equal(one("Service", "RestartSec"), "5");
  assert.equal(one("Service", "KillSignal"), "SIGTERM");
  assert.equal(one("Service", "TimeoutStopSec"), "10");
  assert.equal(one("Service", "StandardOutput"), "journal");
  assert.equal(one("Service", "StandardError"), "journal");
  assert.equal(one("Install", "WantedBy"), "default.target");
  const exec = systemdWords(one("Service", "ExecStart"), { dollars: true });
  assert.deepEqual(exec, [process.execPath, host.runJs, "gateway", "--port", "18790", "--bind", "lan"]);
  assert.ok(existsSync(exec[0]!) && existsSync(exec[1]!));
  assert.equal(one("Service", "WorkingDirectory"), host.stateDir);
  const env = ini.get("Service")!.get("Environment")!.flatMap((v) => systemdWords(v, { dollars: false }));
  assert.deepEqual(env, [`CLAWDBOT_STATE_DIR=${host.stateDir}`, "CLAWDBOT_SERVICE=1", `CLAWDBOT_GATEWAY_TOKEN_FILE=${join(host.stateDir, "gateway.token")}`, `PATH=${host.pathEnv}`]);
});

test("unit quoting survives quotes, backslashes, % and $ in paths", async (t) => {
  const odd = `/tmp/x y/"q" \\b 50% $HOME 'z'`;
  const host = await testHost(t, "linux", { stateDir: odd, runJs: `${odd}/run.js` });
  const ini = parseIni(written(installPlan(host, {}), servicePaths(host).unit));
  const service = ini.get("Service")!;
  assert.deepEqual(systemdWords(service.get("ExecStart")![0]!, { dollars: true }), [process.execPath, `${odd}/run.js`, "gateway"]);
  assert.equal(service.get("WorkingDirectory")![0]!.replace(/%%/g, "%"), odd);
  assert.deepEqual(systemdWords(service.get("Environment")![0]!, { dollars: false }), [`CLAWDBOT_STATE_DIR=${odd}`]);
});

test("a Node.js path systemd cannot run, and control characters, are refused with one line", async (t) => {
  const quoted = await testHost(t, "linux", { nodePath: `/opt/it's/node` });
  assert.throws(() => installPlan(quoted), (err: unknown) => err instanceof DaemonError && err.code === "unsafe-value" && !err.message.includes("\n"));
  const newline = await testHost(t, "darwin", { stateDir: "/tmp/a\nb" });
  assert.throws(() => installPlan(newline), (err: unknown) => err instanceof DaemonError && err.code === "unsafe-value");
});

test("a short token is refused before anything is planned", async (t) => {
  const host = await testHost(t, "linux");
  assert.throws(() => installPlan(host, { token: "short" }), (err: unknown) => err instanceof DaemonError && err.code === "invalid-token");
});

test("template placeholders and filled values must match exactly", () => {
  assert.equal(fillTemplate("t", "a={{A}} b={{B}}", { A: "$1 $&", B: "2" }), "a=$1 $& b=2");
  assert.throws(() => fillTemplate("t", "a={{A}} c={{C}}", { A: "1" }), /\{\{C\}\}, which clawdbot does not fill/);
  assert.throws(() => fillTemplate("t", "a={{A}}", { A: "1", B: "2" }), /lacks \{\{B\}\}/);
});

/** `systemd-analyze verify --user`, with a runtime dir of its own (it needs one and CI shells often lack it). */
function verifyUnit(file: string, runtimeDir: string): { status: number | null; stderr: string } {
  const env = { ...process.env, XDG_RUNTIME_DIR: process.env["XDG_RUNTIME_DIR"] || runtimeDir, SYSTEMD_LOG_COLOR: "0" };
  const res = spawnSync("systemd-analyze", ["verify", "--user", file], { env, encoding: "utf8", timeout: 60_000 });
  return { status: res.status, stderr: res.stderr };
}

const SYSTEMD_ANALYZE = spawnSync("systemd-analyze", ["--version"]).status === 0;

test("systemd-analyze verify --user accepts the unit, with spaces in the Node.js and state paths", { skip: SYSTEMD_ANALYZE ? false : "systemd-analyze is not installed" }, async (t) => {
  const root = await spacedTempDir(t, "verify root");
  const nodeDir = join(root, "node 20", "bin");
  await mkdir(nodeDir, { recursive: true });
  await symlink(process.execPath, join(nodeDir, "node"));
  const runtimeDir = join(root, "runtime");
  await mkdir(runtimeDir, { mode: 0o700 });
  const host = await testHost(t, "linux", { nodePath: join(nodeDir, "node"), stateDir: join(root, "state 100%") });
  await mkdir(host.stateDir);
  const unitText = written(installPlan(host), servicePaths(host).unit);
  const file = join(root, "units", "clawdbot-gateway.service");
  await mkdir(dirname(file));
  await writeFile(file, unitText, { mode: 0o644 });
  const res = verifyUnit(file, runtimeDir);
  assert.equal(res.status, 0, `systemd-analyze verify failed:\n${res.stderr}\n--- unit ---\n${unitText}`);
  assert.ok(!/clawdbot-gateway|Unknown key|special characters|not executable/.test(res.stderr), `warnings about the unit:\n${res.stderr}`);
  assert.ok(statSync(host.nodePath).isFile());

  // The check is real: the same unit pointing at a missing Node.js fails.
  const missing = unitText.replace(JSON.stringify(host.nodePath), JSON.stringify(join(root, "missing", "node")));
  assert.notEqual(missing, unitText);
  await writeFile(file, missing);
  const bad = verifyUnit(file, runtimeDir);
  assert.notEqual(bad.status, 0, "verify must reject an ExecStart that does not exist");
  assert.match(bad.stderr, /not executable|No such file/);
});

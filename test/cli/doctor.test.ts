// `clawdbot doctor [--json] [--fix]`: permissions, lock and running instance, port, config (every
// error), service, TLS/clock against the gateway, Chromium, channel credentials, disk space; each
// problem with the command that fixes it, and --fix repairing the safe ones.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmod, mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { writeInstanceRecord } from "@clawdbot/sidecar/instance";
import { generate } from "selfsigned";
import { freePort, jsonOut, listenTcp, portOf, runCli, spawnGateway, tempDir } from "./run-cli.js";

interface Finding {
  check: string;
  status: "ok" | "warn" | "fail" | "fixed";
  message: string;
  fix?: string;
}
interface Report {
  ok: boolean;
  stateDir: string;
  findings: Finding[];
}

function find(r: Report, check: string): Finding[] {
  return r.findings.filter((f) => f.check === check);
}

async function doctor(stateDir: string, args: string[] = [], env: Record<string, string | undefined> = {}): Promise<{ code: number | null; report: Report; stderr: string }> {
  const r = await runCli(["doctor", "--json", ...args], { stateDir, env: { PATH: process.env["PATH"], ...env } });
  return { code: r.code, report: jsonOut<Report>(r), stderr: r.stderr };
}

async function stateWithConfig(t: TestContext, config: unknown): Promise<string> {
  const stateDir = join(await tempDir(t), "state");
  await mkdir(stateDir, { mode: 0o700 });
  await writeFile(join(stateDir, "clawdbot.json"), JSON.stringify(config), { mode: 0o600 });
  return stateDir;
}

test("loose permissions and an invalid config: every config error at once, exit 1; --fix makes the files private", async (t) => {
  const stateDir = await stateWithConfig(t, { gateway: { port: "nope" }, agent: { backend: "wizard" } });
  await mkdir(join(stateDir, "identity"));
  await chmod(join(stateDir, "identity"), 0o755);
  await writeFile(join(stateDir, "identity", "device.json"), "{}", { mode: 0o644 });
  await chmod(join(stateDir, "identity", "device.json"), 0o644);

  const first = await doctor(stateDir);
  assert.equal(first.code, 1, first.stderr);
  assert.equal(first.report.ok, false);
  const [perm] = find(first.report, "permissions");
  assert.equal(perm?.status, "fail");
  assert.match(perm!.message, /2 path\(s\) under the state dir are open to other users/);
  assert.match(perm!.message, /device\.json \(644\)/);
  assert.match(perm!.fix ?? "", /clawdbot doctor --fix/);
  const [config] = find(first.report, "config");
  assert.equal(config?.status, "fail");
  assert.match(config!.message, /gateway\.port/);
  assert.match(config!.message, /agent\.backend must be one of echo, openai, command/);
  assert.match(config!.fix ?? "", /clawdbot\.json/);

  const fixed = await doctor(stateDir, ["--fix"]);
  assert.equal(find(fixed.report, "permissions")[0]?.status, "fixed");
  assert.equal((await stat(join(stateDir, "identity"))).mode & 0o777, 0o700);
  assert.equal((await stat(join(stateDir, "identity", "device.json"))).mode & 0o777, 0o600);
  assert.equal(fixed.code, 1, "the config is still invalid: --fix never edits it");

  const human = await runCli(["doctor"], { stateDir, env: { PATH: process.env["PATH"] } });
  assert.equal(human.code, 1);
  assert.match(human.stdout, /^ok {3}permissions: /m);
  assert.match(human.stdout, /^FAIL config: .*\n {4}fix: edit /m);
  assert.match(human.stdout, /^(ok|warn) +disk: /m);
  assert.match(human.stdout, /^(ok|warn) +chromium: /m);
  assert.match(human.stdout, /^(ok|warn) +service: /m);
});

test("a killed gateway's lock socket and instance record are reported as stale and removed by --fix", async (t) => {
  const stateDir = await stateWithConfig(t, {});
  const sock = join(stateDir, "gateway.sock");
  // A process that holds the lock socket and is then SIGKILLed leaves the socket file behind.
  const holder = spawn(process.execPath, ["-e", `require("node:net").createServer().listen(${JSON.stringify(sock)}, () => console.log("up"))`], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve) => holder.stdout.once("data", () => resolve()));
  const gone = new Promise((r) => holder.once("close", r));
  holder.kill("SIGKILL");
  await gone;
  assert.ok(existsSync(sock));
  await writeInstanceRecord(stateDir, {
    version: 1,
    pid: holder.pid!,
    startedAt: 1,
    gatewayVersion: "0.0.0",
    host: "127.0.0.1",
    port: 1,
    websocketUrl: "ws://127.0.0.1:1",
    webchatUrl: "http://127.0.0.1:1/",
    configPath: join(stateDir, "clawdbot.json"),
  });

  const before = await doctor(stateDir);
  const [lock] = find(before.report, "lock");
  assert.equal(lock?.status, "warn");
  assert.match(lock!.message, /stale lock .*gateway\.sock: nobody holds it/);
  const [instance] = find(before.report, "instance");
  assert.equal(instance?.status, "warn");
  assert.match(instance!.message, new RegExp(`names pid ${holder.pid}, which is gone`));

  const after = await doctor(stateDir, ["--fix"]);
  assert.deepEqual([find(after.report, "lock")[0]?.status, find(after.report, "instance")[0]?.status], ["fixed", "fixed"]);
  assert.ok(!existsSync(sock));
  assert.ok(!existsSync(join(stateDir, "gateway-instance.json")));
  const again = await doctor(stateDir);
  assert.deepEqual([find(again.report, "lock")[0]?.status, find(again.report, "instance")[0]?.status], ["ok", "ok"]);
});

test("the port: busy with another program is a failure naming the fix; held by our running gateway is fine, with the clock checked against it", async (t) => {
  const squatter = await listenTcp((s) => s.destroy());
  t.after(() => squatter.close());
  const busy = await stateWithConfig(t, { gateway: { port: portOf(squatter) } });
  const r = await doctor(busy);
  const [port] = find(r.report, "port");
  assert.equal(port?.status, "fail");
  assert.match(port!.message, new RegExp(`127\\.0\\.0\\.1:${portOf(squatter)} is in use by another program`));
  assert.match(port!.fix ?? "", /gateway\.port/);

  const ownPort = await freePort();
  const stateDir = await stateWithConfig(t, { gateway: { port: ownPort }, channels: { telegram: { botToken: "123456:doctor-token-value", apiRoot: "http://127.0.0.1:9" } } });
  const started = await spawnGateway(t, ["--canvas-port", "0"], { stateDir });
  if (!started.ok) assert.fail(started.failure.stderr);
  const ok = await doctor(stateDir);
  assert.equal(find(ok.report, "instance")[0]?.status, "ok");
  assert.equal(find(ok.report, "lock")[0]?.status, "ok");
  assert.match(find(ok.report, "port")[0]?.message ?? "", new RegExp(`:${ownPort} is ours`));
  const [gw] = find(ok.report, "gateway");
  assert.equal(gw?.status, "ok", gw?.message);
  assert.match(gw!.message, /clock within \d+ ms$/);
  assert.deepEqual(find(ok.report, "tls").map((f) => [f.status, f.message]), [["ok", "off: the gateway serves ws:// (gateway.tls.enabled, or --tls)"]]);
  const [channel] = find(ok.report, "channel");
  assert.deepEqual([channel?.status, channel?.message], ["ok", "telegram: bot token present"]);
  assert.ok(!JSON.stringify(ok.report).includes("doctor-token-value"), "doctor never prints a secret");
  started.gw.child.kill("SIGTERM");
  await started.gw.exited;
});

/**
 * A stand-in for `systemctl` on PATH (this machine has no user bus): it records its arguments and
 * answers `status` with the text and exit code the test sets, as systemd would.
 */
async function fakeSystemctl(t: TestContext): Promise<{ bin: string; calls: () => Promise<string[]>; answer: (code: number, text: string) => Promise<void> }> {
  const dir = await tempDir(t, "clawdbot-systemctl-");
  const script = [
    "#!/bin/sh",
    `echo "$*" >> "${dir}/calls"`,
    `if [ "$2" = status ]; then cat "${dir}/status.out"; exit "$(cat "${dir}/status.code")"; fi`,
    "exit 0",
    "",
  ].join("\n");
  await writeFile(join(dir, "systemctl"), script, { mode: 0o755 });
  return {
    bin: dir,
    calls: async () => (await readFile(join(dir, "calls"), "utf8").catch(() => "")).split("\n").filter(Boolean),
    answer: async (code, text) => {
      await writeFile(join(dir, "status.out"), text);
      await writeFile(join(dir, "status.code"), String(code));
    },
  };
}

const UNIT = "clawdbot-gateway.service";

test("the service: absent, installed by `daemon install` and running, stopped, unknown to systemd, no user bus, installed from another Node", { skip: process.platform !== "linux" }, async (t) => {
  const home = await tempDir(t, "clawdbot-home-");
  const stateDir = await stateWithConfig(t, {});
  const systemctl = await fakeSystemctl(t);
  const env = { HOME: home, PATH: `${systemctl.bin}:${process.env["PATH"]}` };
  const service = (r: Report) => find(r, "service")[0];
  const state = (r: Report) => find(r, "service state")[0];

  const absent = await doctor(stateDir, [], env);
  assert.equal(service(absent.report)?.status, "warn");
  assert.match(service(absent.report)!.message, /not installed as a service \(.*clawdbot-gateway\.service is absent\)/);
  assert.equal(service(absent.report)!.fix, "clawdbot daemon install");
  assert.equal(state(absent.report), undefined, "nothing to ask systemd about");

  const installed = await runCli(["daemon", "install", "--token", "service-token-123"], { stateDir, env });
  assert.equal(installed.code, 0, installed.stderr);
  const unitPath = join(home, ".config", "systemd", "user", UNIT);
  await systemctl.answer(0, `● ${UNIT} - Clawdbot gateway\n     Loaded: loaded (${unitPath}; enabled; preset: enabled)\n     Active: active (running) since Sun 2026-12-06 10:00:00 UTC; 1min ago\n   Main PID: 4242 (node)\n`);
  const running = await doctor(stateDir, [], env);
  assert.equal(service(running.report)?.status, "ok", service(running.report)?.message);
  assert.match(service(running.report)!.message, new RegExp(`runs ${process.execPath.replace(/[.]/g, "\\.")} .*cli/bin/run\\.js on ${stateDir}$`));
  assert.deepEqual([state(running.report)?.status, state(running.report)?.message], ["ok", "loaded and running (pid 4242) (active (running))"]);
  assert.ok((await systemctl.calls()).includes(`--user status --no-pager ${UNIT}`), "asked as `clawdbot daemon status` asks");

  await systemctl.answer(3, `○ ${UNIT} - Clawdbot gateway\n     Loaded: loaded (${unitPath}; enabled; preset: enabled)\n     Active: inactive (dead)\n`);
  const stopped = state((await doctor(stateDir, [], env)).report);
  assert.deepEqual([stopped?.status, stopped?.message], ["warn", "loaded but not running (inactive (dead))"]);
  assert.match(stopped!.fix ?? "", /^clawdbot daemon start/);

  await systemctl.answer(4, `Unit ${UNIT} could not be found.\n`);
  const unknown = state((await doctor(stateDir, [], env)).report);
  assert.deepEqual([unknown?.status, unknown?.message], ["warn", "installed but not loaded by systemd"]);
  assert.match(unknown!.fix ?? "", /clawdbot daemon install/);

  await systemctl.answer(1, "Failed to connect to bus: No medium found\n");
  const noBus = state((await doctor(stateDir, [], env)).report);
  assert.equal(noBus?.status, "warn");
  assert.match(noBus!.message, /systemd could not say whether the service is loaded \(Failed to connect to bus: No medium found\)/);
  assert.match(noBus!.fix ?? "", /loginctl enable-linger/);

  const unit = await readFile(unitPath, "utf8");
  assert.ok(unit.includes(`"${process.execPath}"`));
  await writeFile(unitPath, unit.replace(`"${process.execPath}"`, '"/opt/old-node/bin/node"'));
  const moved = await doctor(stateDir, [], env);
  assert.equal(moved.code, 1, "a service running another Node is a failure");
  assert.equal(service(moved.report)?.status, "fail");
  assert.match(service(moved.report)!.message, new RegExp(`does not run Node ${process.execPath.replace(/[.]/g, "\\.")} \\(installed from another Node, checkout or state dir\\)`));
  assert.match(service(moved.report)!.fix ?? "", /^clawdbot daemon install/);
});

/** A self-signed certificate and key written as PEM files; returns their paths and fingerprint. */
async function certificate(dir: string, name: string, notAfter: Date): Promise<{ certPath: string; keyPath: string }> {
  const pems = await generate([{ name: "commonName", value: "doctor test" }], { notBeforeDate: new Date(notAfter.getTime() - 3 * 24 * 3600_000), notAfterDate: notAfter, keyType: "ec", curve: "P-256", algorithm: "sha256" });
  const certPath = join(dir, `${name}-cert.pem`);
  const keyPath = join(dir, `${name}-key.pem`);
  await writeFile(certPath, pems.cert);
  await writeFile(keyPath, pems.private, { mode: 0o600 });
  return { certPath, keyPath };
}

test("TLS: the fingerprint shown, and what the gateway presents, what the CLI and the node host pin, all checked against the certificate on disk", async (t) => {
  const port = await freePort();
  const stateDir = await stateWithConfig(t, { gateway: { port, tls: { enabled: true } } });
  const before = find((await doctor(stateDir)).report, "tls");
  assert.deepEqual(before.map((f) => f.status), ["ok"]);
  assert.match(before[0]!.message, /^no certificate yet: the gateway creates a self-signed one at .*gateway-cert\.pem/);

  const started = await spawnGateway(t, ["--canvas-port", "0"], { stateDir });
  if (!started.ok) assert.fail(started.failure.stderr);
  const fp = /TLS certificate SHA-256 fingerprint: ([0-9A-F:]{95})/.exec(started.gw.stdout())?.[1];
  assert.ok(fp, started.gw.stdout());
  const good = await doctor(stateDir);
  assert.equal(good.code, 0, JSON.stringify(good.report.findings));
  const [tls] = find(good.report, "tls");
  assert.equal(tls?.status, "ok");
  assert.ok(tls!.message.includes(`SHA-256 ${fp}, valid until`) && tls!.message.endsWith(`--tls-fingerprint ${fp}`), tls!.message);
  assert.deepEqual(find(good.report, "tls pin").map((f) => [f.status, f.message]), [["ok", `wss://127.0.0.1:${port} presents ${fp}, the certificate on disk, as the CLI pins it`]]);

  // The node host pinned another certificate for this gateway: it would refuse to connect.
  const wrong = fp.split(":").reverse().join(":");
  await mkdir(join(stateDir, "node"), { mode: 0o700 });
  await writeFile(join(stateDir, "node", "gateway-pin.json"), JSON.stringify({ version: 1, pins: { [`wss://127.0.0.1:${port}`]: { fingerprint: wrong, pinnedAtMs: 1 } } }), { mode: 0o600 });
  const pinned = await doctor(stateDir);
  assert.equal(pinned.code, 1);
  const nodePin = find(pinned.report, "tls pin").find((f) => f.status === "fail");
  assert.match(nodePin?.message ?? "", new RegExp(`node host on this machine pinned ${wrong} .*presents ${fp}`));
  assert.equal(nodePin?.fix, `clawdbot node run --tls-fingerprint ${fp} (replaces the pin)`);
  await writeFile(join(stateDir, "node", "gateway-pin.json"), JSON.stringify({ version: 1, pins: { [`wss://127.0.0.1:${port}`]: { fingerprint: fp, pinnedAtMs: 1 } } }), { mode: 0o600 });
  assert.equal((await doctor(stateDir)).code, 0, "a matching node pin is fine");

  // The certificate on disk replaced while the gateway runs: clients pinning the file's fingerprint would be refused.
  const tlsDir = join(stateDir, "tls");
  const fresh = await certificate(tlsDir, "fresh", new Date(Date.now() + 400 * 24 * 3600_000));
  await rename(fresh.certPath, join(tlsDir, "gateway-cert.pem"));
  await rename(fresh.keyPath, join(tlsDir, "gateway-key.pem"));
  const changed = await doctor(stateDir);
  assert.equal(changed.code, 1);
  const [drift] = find(changed.report, "tls pin");
  assert.equal(drift?.status, "fail");
  assert.match(drift!.message, new RegExp(`^the running gateway presents SHA-256 ${fp}, but .*gateway-cert\\.pem holds (?!${fp})[0-9A-F:]{95} \\(the certificate changed after it started\\)$`));
  assert.match(drift!.fix ?? "", /restart the gateway/);
  started.gw.child.kill("SIGTERM");
  await started.gw.exited;
});

test("TLS: a configured certificate that is missing or expired is a failure naming the fix", async (t) => {
  const dir = await tempDir(t);
  const missing = await stateWithConfig(t, { gateway: { tls: { enabled: true, certPath: join(dir, "nope-cert.pem"), keyPath: join(dir, "nope-key.pem") } } });
  const r = await doctor(missing);
  assert.equal(r.code, 1);
  const [tls] = find(r.report, "tls");
  assert.equal(tls?.status, "fail");
  assert.match(tls!.message, /^the certificate .*nope-cert\.pem cannot be read: ENOENT/);
  assert.match(tls!.fix ?? "", /gateway\.tls\.certPath and keyPath/);

  const old = await certificate(dir, "old", new Date(Date.now() - 24 * 3600_000));
  const expired = await stateWithConfig(t, { gateway: { tls: { enabled: true, ...old } } });
  const e = find((await doctor(expired)).report, "tls")[0];
  assert.equal(e?.status, "fail");
  assert.match(e!.message, /old-cert\.pem \(SHA-256 [0-9A-F:]{95}\) expired on /);
  assert.match(e!.fix ?? "", /renew the certificate/);

  const soon = await certificate(dir, "soon", new Date(Date.now() + 5 * 24 * 3600_000));
  const expiring = await stateWithConfig(t, { gateway: { tls: { enabled: true, ...soon } } });
  const w = find((await doctor(expiring)).report, "tls")[0];
  assert.equal(w?.status, "warn");
  assert.match(w!.message, /soon-cert\.pem \(SHA-256 [0-9A-F:]{95}\) expires on /);
});

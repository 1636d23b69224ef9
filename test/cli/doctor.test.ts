// `clawdbot doctor [--json] [--fix]`: permissions, lock and running instance, port, config (every
// error), service, TLS/clock against the gateway, Chromium, channel credentials, disk space; each
// problem with the command that fixes it, and --fix repairing the safe ones.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmod, mkdir, stat, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { writeInstanceRecord } from "@clawdbot/sidecar/instance";
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

async function doctor(stateDir: string, args: string[] = []): Promise<{ code: number | null; report: Report; stderr: string }> {
  const r = await runCli(["doctor", "--json", ...args], { stateDir, env: { PATH: process.env["PATH"] } });
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
  assert.match(gw!.message, /clock within \d+ ms; no TLS/);
  const [channel] = find(ok.report, "channel");
  assert.deepEqual([channel?.status, channel?.message], ["ok", "telegram: bot token present"]);
  assert.ok(!JSON.stringify(ok.report).includes("doctor-token-value"), "doctor never prints a secret");
  started.gw.child.kill("SIGTERM");
  await started.gw.exited;
});

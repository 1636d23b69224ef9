// The macOS permission probe over a fake node-mac-permissions backend: what it reports, and how
// granted/denied states change the commands a node declares (in-process and over a real gateway).
import { test } from "node:test";
import assert from "node:assert/strict";
import { chmod, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CommandSet, parseNodeConfig, runNodeHost } from "../../cli/src/node-host/index.js";
import { backendProbe, loadPermissionProbe, settingsUrl, type PermissionBackend } from "../../cli/src/permissions/probe.js";
import { startGateway } from "../support/gateway.js";
import { eventually } from "../support/wait.js";
import { tempDir } from "../cli/run-cli.js";
import { GatewayClient, generateIdentity } from "@clawdbot/protocol/client";

/** node-mac-permissions' answers, changeable while the test runs. */
function fakeBackend(answers: Record<string, string>): PermissionBackend & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    getAuthStatus(type: string) {
      asked.push(type);
      const a = answers[type];
      if (a === undefined) throw new Error(`unknown permission type ${type}`);
      return a;
    },
  };
}

const ALL_GRANTED = { camera: "authorized", microphone: "authorized", screen: "authorized", location: "authorized", accessibility: "authorized", "full-disk-access": "authorized" };

/** A PATH holding stand-ins for the capture tools the darwin commands run (never executed here). */
async function toolsPath(t: Parameters<typeof tempDir>[0]): Promise<string> {
  const dir = await tempDir(t, "clawdbot-tools-");
  for (const tool of ["imagesnap", "CoreLocationCLI"]) {
    await writeFile(join(dir, tool), "#!/bin/sh\nexit 0\n");
    await chmod(join(dir, tool), 0o755);
  }
  return dir;
}

test("off macOS the probe says not applicable and never loads the native module", async () => {
  let loads = 0;
  const probe = await loadPermissionProbe("linux", () => {
    loads++;
    return Promise.reject(new Error("must not load"));
  });
  assert.equal(loads, 0);
  assert.equal(probe.applicable, false);
  const states = probe.check();
  assert.deepEqual(states.map((s) => s.name), ["camera", "microphone", "screen-recording", "location", "accessibility", "full-disk-access"]);
  assert.ok(states.every((s) => s.status === "not-applicable"));
});

test("on macOS without node-mac-permissions nothing breaks: unknown states, darwin commands left out with the reason", async (t) => {
  const probe = await loadPermissionProbe("darwin", () => Promise.reject(new Error("Cannot find module 'node-mac-permissions'")));
  assert.equal(probe.applicable, true);
  assert.match(probe.unavailable ?? "", /node-mac-permissions could not be loaded \(Cannot find module/);
  assert.ok(probe.check().every((s) => s.status === "unknown"));
  const set = await CommandSet.detect({ platform: "darwin", config: parseNodeConfig("n", "{}"), env: { PATH: await toolsPath(t), CHROMIUM_PATH: "/nonexistent" }, canvasHostUrl: () => undefined, policyPath: "/nonexistent/exec-approvals.json", permissions: probe });
  assert.deepEqual(set.commands, ["system.info"]);
  assert.deepEqual(set.leftOut.map((l) => l.command), ["screen.record", "camera.snap", "location.get"]);
  assert.ok(set.leftOut.every((l) => l.reason === probe.unavailable));
});

test("the module's default export and its status words map to the menu's states", async () => {
  const backend = fakeBackend({ camera: "denied", microphone: "not determined", screen: "restricted", location: "limited", accessibility: "authorized", "full-disk-access": "something new" });
  const probe = await loadPermissionProbe("darwin", () => Promise.resolve({ default: backend }));
  assert.deepEqual(
    Object.fromEntries(probe.check().map((s) => [s.name, s.status])),
    { camera: "denied", microphone: "not-determined", "screen-recording": "restricted", location: "granted", accessibility: "granted", "full-disk-access": "unknown" },
  );
  assert.deepEqual(backend.asked, ["camera", "microphone", "screen", "location", "accessibility", "full-disk-access"]);
  assert.equal(settingsUrl("screen-recording"), "x-apple.systempreferences:com.apple.preference.security?Privacy_ScreenCapture");
  const throwing = backendProbe({ getAuthStatus: () => { throw new Error("TCC unavailable"); } });
  assert.ok(throwing.check().every((s) => s.status === "unknown"), "a backend that throws is unknown, not a crash");
});

test("granted and denied permissions change the commands a macOS node declares", async (t) => {
  const PATH = await toolsPath(t);
  const answers: Record<string, string> = { ...ALL_GRANTED };
  const probe = backendProbe(fakeBackend(answers));
  const detect = () => CommandSet.detect({ platform: "darwin", config: parseNodeConfig("n", "{}"), env: { PATH, CHROMIUM_PATH: "/nonexistent" }, canvasHostUrl: () => undefined, policyPath: "/nonexistent/exec-approvals.json", permissions: probe });

  const all = await detect();
  assert.deepEqual(all.commands, ["system.info", "screen.record", "camera.snap", "location.get"]);
  assert.deepEqual(all.caps, ["system", "screen", "camera", "location"]);
  assert.deepEqual(all.permissions, { "screen.record": true, "camera.capture": true, location: true });
  assert.deepEqual(all.leftOut, []);

  answers["camera"] = "denied";
  answers["location"] = "not determined";
  const some = await detect();
  assert.deepEqual(some.commands, ["system.info", "screen.record"]);
  assert.deepEqual(some.permissions, { "screen.record": true, "camera.capture": false, location: false });
  assert.deepEqual(some.leftOut, [
    { command: "camera.snap", reason: "Camera permission is denied; grant it in System Settings → Privacy & Security → Camera" },
    { command: "location.get", reason: "Location permission is not determined; grant it in System Settings → Privacy & Security → Location" },
  ]);

  // Granted but the capture tool missing: left out for that reason instead.
  const noTools = await CommandSet.detect({ platform: "darwin", config: parseNodeConfig("n", "{}"), env: { PATH: "/nonexistent", CHROMIUM_PATH: "/nonexistent" }, canvasHostUrl: () => undefined, policyPath: "/nonexistent/exec-approvals.json", permissions: backendProbe(fakeBackend(ALL_GRANTED)) });
  assert.deepEqual(noTools.commands, ["system.info", "screen.record"]);
  assert.match(noTools.leftOut.find((l) => l.command === "camera.snap")?.reason ?? "", /imagesnap is not on PATH/);
});

test("a macOS node host declares only the granted commands to the gateway and logs the rest", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const stateDir = await tempDir(t, "clawdbot-node-");
  const answers: Record<string, string> = { ...ALL_GRANTED, screen: "denied" };
  const lines: string[] = [];
  const log = { info: (m: string) => lines.push(m), warn: (m: string) => lines.push(`warn: ${m}`), error: (m: string) => lines.push(`error: ${m}`) };
  const stop = new AbortController();
  const running = runNodeHost({
    url: gw.url,
    displayName: "mac-node",
    configPath: undefined,
    tlsFingerprint: undefined,
    token: undefined,
    password: undefined,
    version: "test",
    platform: "darwin",
    env: { CLAWDBOT_STATE_DIR: stateDir, PATH: await toolsPath(t), CHROMIUM_PATH: "/nonexistent" },
    log,
    signal: stop.signal,
    permissions: backendProbe(fakeBackend(answers)),
  });
  t.after(async () => {
    stop.abort();
    await running;
  });
  const operator = new GatewayClient({ url: gw.url, identity: generateIdentity(), client: { id: "cli", mode: "cli" } });
  await operator.connect();
  t.after(() => operator.close());
  let commands: string[] = [];
  await eventually("the node is listed as connected", async () => {
    const { nodes } = await operator.call("node.list");
    const node = nodes.find((n) => n.displayName === "mac-node" && n.connected);
    commands = node?.commands ?? [];
    return node !== undefined;
  });
  assert.deepEqual([...commands].sort(), ["camera.snap", "location.get", "system.info"]);
  assert.ok(lines.includes("warn: not offering screen.record: Screen Recording permission is denied; grant it in System Settings → Privacy & Security → Screen Recording"), lines.join("\n"));
});

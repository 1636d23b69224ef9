// The node host's small parts in-process: node.json, what it declares, the idempotency cache, TLS pins.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  CommandSet,
  GatewayPinStore,
  InvokeCache,
  NodeConfigError,
  NodeIdentityStore,
  loadNodeConfig,
  parseNodeConfig,
  pinKey,
  type CommandOutcome,
} from "../../cli/src/node-host/index.js";
import { tempDir } from "../cli/run-cli.js";

const PATH = process.env["PATH"] ?? "/usr/bin:/bin";

test("node.json is JSON5; defaults apply; bad keys are named", async (t) => {
  const cfg = parseNodeConfig("node.json", `{ // comment\n gatewayUrl: 'ws://127.0.0.1:1', systemRun: { allow: ['echo',], }, }`);
  assert.equal(cfg.gatewayUrl, "ws://127.0.0.1:1");
  assert.deepEqual(cfg.systemRun, { allow: ["echo"], timeoutMs: 30_000, maxOutputBytes: 1024 * 1024, envAllow: [] });
  assert.ok(Object.isFrozen(cfg) && Object.isFrozen(cfg.systemRun.allow));
  assert.throws(() => parseNodeConfig("n.json", "{systemRun: {alow: []}}"), (e: unknown) => e instanceof NodeConfigError && /n\.json.*alow/.test(e.message));
  assert.throws(() => parseNodeConfig("n.json", "{gatewayUrl: 'http://x'}"), NodeConfigError);
  assert.throws(() => parseNodeConfig("n.json", "{nope"), /not valid JSON5/);
  const dir = await tempDir(t);
  assert.deepEqual((await loadNodeConfig(join(dir, "missing.json"))).systemRun.allow, [], "no file: nothing allowed");
});

test("the node declares only what runs here", async (t) => {
  const base = { platform: "linux" as const, canvasHostUrl: () => undefined, policyPath: join(await tempDir(t), "exec-approvals.json") };
  const none = await CommandSet.detect({ ...base, config: parseNodeConfig("n", "{}"), env: { PATH, CHROMIUM_PATH: "/nonexistent/chromium" } });
  assert.deepEqual(none.commands.filter((c) => c !== "system.notify"), ["system.info"], "no allowlist → no system.run; no browser → no canvas");
  assert.deepEqual(none.caps, ["system"]);
  const noPlaywright = await CommandSet.detect({
    ...base,
    config: parseNodeConfig("n", "{systemRun: {allow: ['echo']}}"),
    env: { PATH, CHROMIUM_PATH: process.execPath },
    loadPlaywright: () => Promise.reject(new Error("Cannot find module 'playwright-core'")),
  });
  assert.deepEqual(
    noPlaywright.commands.filter((c) => c !== "system.notify"),
    ["system.info", "system.run", "system.which", "system.execApprovals.get", "system.execApprovals.set"],
  );
  // darwin-only commands need node-mac-permissions, which npm skips off macOS.
  const fakeMac = await CommandSet.detect({ ...base, platform: "darwin", config: parseNodeConfig("n", "{}"), env: { PATH, CHROMIUM_PATH: "/nonexistent" } });
  assert.deepEqual(fakeMac.commands, ["system.info"]);
  for (const c of ["location.get", "camera.snap", "screen.record"]) assert.ok(!fakeMac.commands.includes(c));
  if (existsSync("/usr/bin/chromium")) {
    const withCanvas = await CommandSet.detect({ ...base, config: parseNodeConfig("n", "{}"), env: { PATH } });
    assert.deepEqual(withCanvas.commands.filter((c) => c !== "system.notify"), ["system.info", "canvas.present", "canvas.navigate", "canvas.eval", "canvas.snapshot", "canvas.a2ui.push"]);
    assert.deepEqual(withCanvas.caps, ["system", "canvas"]);
    await withCanvas.close();
  }
  await assert.rejects(none.run("system.run", {}), /does not offer system\.run/);
});

test("InvokeCache: one run per key while in flight and after; other params with the same key are refused; entries expire", async () => {
  let now = 0;
  const cache = new InvokeCache(() => now, 1000);
  let runs = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const work = async (): Promise<CommandOutcome> => {
    runs++;
    await gate;
    return { ok: true, payload: runs };
  };
  const a = cache.run("system.run", "k", '{"x":1}', work);
  const b = cache.run("system.run", "k", '{"x":1}', work);
  release();
  assert.deepEqual(await a, { ok: true, payload: 1 });
  assert.deepEqual(await b, { ok: true, payload: 1 });
  assert.deepEqual(await cache.run("system.run", "k", '{"x":1}', work), { ok: true, payload: 1 });
  const other = await cache.run("system.run", "k", '{"x":2}', work);
  assert.equal(other.ok, false);
  assert.equal(!other.ok && other.error.code, "INVALID_REQUEST");
  assert.deepEqual(await cache.run("system.info", "k", '{"x":1}', work), { ok: true, payload: 2 }, "keys are per command");
  assert.deepEqual(await cache.run("system.run", undefined, "", work), { ok: true, payload: 3 }, "no key: no dedupe");
  now = 1001;
  assert.deepEqual(await cache.run("system.run", "k", '{"x":1}', work), { ok: true, payload: 4 }, "expired");
  assert.equal(runs, 4);
});

test("pins are per server and stored 0600; a damaged pin file is not silently ignored", async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, "node", "gateway-pin.json");
  const pins = new GatewayPinStore(path, () => 42);
  assert.equal(await pins.pinned("wss://127.0.0.1:1234"), undefined);
  await pins.pin("wss://127.0.0.1:1234/some/path", "AA:BB");
  assert.equal(await pins.pinned("wss://127.0.0.1:1234"), "AA:BB");
  assert.equal(await pins.pinned("wss://127.0.0.1:1235"), undefined);
  assert.equal(pinKey("wss://gw.example:443/x"), pinKey("wss://gw.example"));
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  assert.deepEqual(JSON.parse(await readFile(path, "utf8")), { version: 1, pins: { "wss://127.0.0.1:1234": { fingerprint: "AA:BB", pinnedAtMs: 42 } } });
  await writeFile(path, "[]");
  await assert.rejects(pins.pinned("wss://127.0.0.1:1234"), /damaged/);
});

test("the node identity is created once, 0600, and is the node id", async (t) => {
  const dir = await tempDir(t);
  const store = new NodeIdentityStore(join(dir, "node"));
  const a = await store.identity();
  const b = await store.identity();
  assert.equal(a.deviceId, b.deviceId);
  assert.match(a.deviceId, /^[0-9a-f]{64}$/);
  assert.equal((await stat(store.identityPath)).mode & 0o777, 0o600);
  await store.saveDeviceToken("ws://x:1", "tok");
  assert.equal(await store.deviceToken("ws://x:1"), "tok");
  assert.equal((await stat(join(dir, "node", "device-auth.json"))).mode & 0o777, 0o600);
  await store.dropDeviceToken("ws://x:1");
  assert.equal(await store.deviceToken("ws://x:1"), undefined);
});

// What a gateway loads at start-up: channel libraries, the TLS certificate generator, Bonjour,
// the pretty printer and the schema compiler only when something needs them.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { WebSocket } from "ws";
import { FakeTelegram } from "../fakes/telegram/server.js";
import { runCli, spawnGateway, tempDir } from "../cli/run-cli.js";
import { loadedModules, loadedPackages, moduleTraceEnv, traceFile } from "../support/module-trace.js";

/** Packages a gateway with embedded defaults (loopback, no channels, no TLS, JSON logs) must not load. */
const NOT_AT_START = ["grammy", "@whiskeysockets/baileys", "selfsigned", "bonjour-service", "pino-pretty", "qrcode", "prom-client", "croner", "minimatch", "fastest-levenshtein"];
/** Bundled into sidecar/dist/bundle.js (scripts/build-gateway-bundle.mjs): loaded from node_modules, they cost ~400 module loads. */
const BUNDLED = ["@sinclair/typebox", "@clawdbot/protocol", "jsonc-parser"];
/** ajv's compiler: clawdbot.json is checked by validators precompiled at build time (they need only ajv's small runtime helpers). */
const AJV_COMPILER = /\/node_modules\/ajv\/dist\/(ajv|core|compile\/index)\.js$/;

/** Recording every module slows a start down a lot on a busy machine; this only bounds a hang. */
const START_MS = 120_000;

/** Starts `clawdbot gateway` with a module trace; resolves once it answered one connect.challenge. */
async function startTraced(t: TestContext, config: Record<string, unknown>, args: string[] = []) {
  const stateDir = await tempDir(t);
  await writeFile(join(stateDir, "clawdbot.json"), JSON.stringify(config));
  const trace = traceFile(stateDir);
  const r = await spawnGateway(t, ["--port", "0", "--canvas-port", "0", ...args], { stateDir, env: moduleTraceEnv(trace), killAfterMs: START_MS });
  if (!r.ok) assert.fail(`gateway exited ${r.failure.code} before listening\nstdout:\n${r.failure.stdout}\nstderr:\n${r.failure.stderr}`);
  t.after(() => void r.gw.child.kill("SIGTERM"));
  assert.equal(await firstEvent(r.gw.url), "connect.challenge");
  return { gw: r.gw, trace, stateDir };
}

function firstEvent(url: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once("message", (data: Buffer) => {
      ws.close();
      resolve((JSON.parse(data.toString()) as { event?: string }).event);
    });
    ws.once("error", reject);
  });
}

test("a gateway with embedded defaults answers connect.challenge without loading channel libraries, selfsigned, Bonjour, pino-pretty, prom-client, croner, minimatch, fastest-levenshtein or compiling a schema", async (t) => {
  const { trace } = await startTraced(t, {});
  const loaded = await loadedPackages(trace);
  // The trace sees packages at all (ws serves the socket), so an absence below means something.
  assert.ok(loaded.has("ws") && loaded.has("pino"), [...loaded].join(", "));
  for (const name of NOT_AT_START) assert.equal(loaded.has(name), false, `${name} was loaded at start-up`);
  const compiler = [...(await loadedModules(trace))].filter((url) => AJV_COMPILER.test(url));
  assert.deepEqual(compiler, [], "ajv's schema compiler was loaded at start-up");
  assert.ok([...(await loadedModules(trace))].some((url) => url.endsWith("/config-base.validate.cjs")), "the precompiled config validator ran");
});

test("a gateway starts from its bundle: TypeBox, the protocol package and the bundled libraries are not loaded as modules", async (t) => {
  const { trace } = await startTraced(t, {});
  const modules = [...(await loadedModules(trace))];
  assert.ok(modules.some((url) => url.endsWith("/sidecar/dist/bundle.js")), "sidecar/dist/bundle.js was not loaded");
  const loaded = await loadedPackages(trace);
  for (const name of BUNDLED) assert.equal(loaded.has(name), false, `${name} was loaded from node_modules`);
  // The workspace's protocol package resolves to protocol/dist, not node_modules.
  assert.deepEqual(modules.filter((url) => url.includes("/protocol/dist/src/")), []);
  // Of the sidecar's own modules only the bundle's chunks and the few the CLI shares with it (state paths, atomic writes) load.
  const unbundled = modules.filter((url) => /\/sidecar\/dist\/(?!bundle[.-])/.test(url) && !url.endsWith(".validate.cjs"));
  assert.ok(unbundled.length <= 6, unbundled.join("\n"));
});

test("a client's full handshake and request are validated by the wire validators precompiled at build time", async (t) => {
  const { gw, trace, stateDir } = await startTraced(t, {});
  // `clawdbot health` pairs, signs its connect and calls health: request frame, connect params and a method's params.
  const health = await runCli(["health", "--json"], { stateDir, env: { CLAWDBOT_GATEWAY_URL: gw.url }, killAfterMs: START_MS });
  assert.equal(health.code, 0, health.stderr);
  const modules = [...(await loadedModules(trace))];
  assert.ok(modules.some((url) => url.endsWith("/protocol/dist/wire.validate.cjs")), "the precompiled wire validators were not loaded");
});

test("a configured Telegram channel loads grammY, and still not Baileys", async (t) => {
  const fake = await FakeTelegram.start();
  t.after(() => fake.stop());
  const polls = fake.calls.length;
  const { trace } = await startTraced(t, { channels: { telegram: { botToken: fake.token, apiRoot: fake.apiRoot, pollTimeoutSec: 1 } } });
  await fake.waitForCall((c) => c.seq > polls && c.method === "getUpdates", 20_000, "first poll of the gateway");
  const loaded = await loadedPackages(trace);
  assert.ok(loaded.has("grammy"), "grammY runs the configured channel");
  for (const name of ["@whiskeysockets/baileys", "selfsigned", "bonjour-service"]) assert.equal(loaded.has(name), false, `${name} was loaded`);
});

test("TLS loads the certificate generator when it has to make a certificate", async (t) => {
  const stateDir = await tempDir(t);
  const trace = traceFile(stateDir);
  const r = await spawnGateway(t, ["--port", "0", "--canvas-port", "0", "--tls"], { stateDir, env: moduleTraceEnv(trace), killAfterMs: START_MS });
  if (!r.ok) assert.fail(`gateway exited ${r.failure.code}\nstderr:\n${r.failure.stderr}`);
  t.after(() => void r.gw.child.kill("SIGTERM"));
  assert.ok((await loadedPackages(trace)).has("selfsigned"));
});

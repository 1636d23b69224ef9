// The real `clawdbot companion --stdio` binary, driven by a test shell against a real gateway.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeviceStore } from "@clawdbot/sidecar";
import { startGateway } from "../support/gateway.js";
import { CLI_BIN, cliEnv, runCli, tempDir } from "../cli/run-cli.js";
import { TestShell, item } from "./shell.js";

const ROOT = new URL("../..", import.meta.url).pathname;

test("clawdbot companion --stdio: menu on hello, Control UI / WebChat / copy URL, Quit exits 0", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const dir = await mkdtemp(join(tmpdir(), "clawdbot-companion-"));
  const shell = TestShell.start(t, [CLI_BIN, "companion", "--stdio", "--url", gw.url], cliEnv(join(dir, "state"), { HOME: join(dir, "home") }), ROOT);
  t.after(() => rm(dir, { recursive: true, force: true }));
  shell.send({ type: "hello", shellVersion: "test-shell 1.0", protocol: 1 });
  const menu = await shell.menu((m) => m.gateway.state === "running" && m.gateway.version !== undefined, "connected, facts loaded");
  assert.match(item(menu, "gateway.status")?.title ?? "", /^Gateway running — v\d+\.\d+\.\d+/);
  assert.equal(menu.gateway.url, gw.url);
  assert.equal(menu.permissions.applicable, false, "not applicable off macOS");
  assert.ok(!menu.sections.some((s) => s.id === "permissions"));
  const ids = menu.sections.map((s) => s.id);
  assert.deepEqual(ids.slice(-2), ["open", "app"]);

  const http = `http://127.0.0.1:${gw.port}`;
  const mark = shell.mark();
  shell.send({ type: "click", itemId: "open.control" });
  shell.send({ type: "click", itemId: "open.webchat" });
  shell.send({ type: "click", itemId: "copy.url" });
  await shell.expect("clipboard", (c) => c.text === gw.url, "URL copied", mark);
  assert.deepEqual(shell.of("open-url", mark).map((m) => m.url), [`${http}/control/`, `${http}/`]);

  shell.send({ type: "click", itemId: "quit" });
  await shell.expect("quit", () => true, "quit acknowledged", mark);
  assert.deepEqual(await shell.exited, { code: 0, signal: null });
  assert.match(shell.log, /clawdbot companion: device [0-9a-f]{64} for ws:\/\/127\.0\.0\.1/);
});

test("the companion is its own device: it waits for approval, then connects; closing stdin ends it", async (t) => {
  const gw = await startGateway({ file: { gateway: { pairing: { autoApproveLocal: false } } } });
  t.after(() => gw.stop());
  const dir = await mkdtemp(join(tmpdir(), "clawdbot-companion-"));
  const stateDir = join(dir, "state");
  const shell = TestShell.start(t, [CLI_BIN, "companion", "--stdio", "--url", gw.url, "--poll", "300"], cliEnv(stateDir, { HOME: join(dir, "home") }), ROOT);
  t.after(() => rm(dir, { recursive: true, force: true }));
  shell.send({ type: "hello", shellVersion: "test-shell 1.0" });
  const waiting = await shell.menu((m) => m.gateway.state === "pairing-required" && m.gateway.pairingRequestId !== undefined, "pairing required");
  const requestId = waiting.gateway.pairingRequestId!;
  assert.equal(item(waiting, "gateway.status")?.title, "Waiting for approval on the gateway");
  assert.equal(waiting.gateway.detail, `approve this Mac on the gateway host: clawdbot pair approve ${requestId}`);
  const store = await DeviceStore.open(gw.stateDir, Date.now);
  const pending = store.listPending().find((p) => p.requestId === requestId);
  assert.equal(pending?.clientId, "clawdbot-macos");
  assert.ok(await store.approve(requestId));
  await shell.menu((m) => m.gateway.state === "running", "connected once approved");
  // The device token it was issued is kept in its own identity folder, not the CLI's.
  const tokens = JSON.parse(await readFile(join(stateDir, "companion", "device-auth.json"), "utf8")) as Record<string, string>;
  assert.match(tokens[gw.url] ?? "", /\S{32,}/);
  shell.closeInput();
  assert.deepEqual(await shell.exited, { code: 0, signal: null });
});

test("clawdbot companion without --stdio says how it is meant to be run", async (t) => {
  const dir = await tempDir(t, "clawdbot-companion-");
  const r = await runCli(["companion"], { stateDir: dir });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--stdio/);
});

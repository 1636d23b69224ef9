// The native shell and its build: what can be checked where no Swift compiler runs (the Swift
// sources themselves are parsed by test/protocol/swift.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const SHELL_DIR = join(ROOT, "macos", "ClawdbotMenuBar");

async function shellSources(): Promise<string> {
  const files = (await readdir(SHELL_DIR)).filter((f) => f.endsWith(".swift"));
  return (await Promise.all(files.map((f) => readFile(join(SHELL_DIR, f), "utf8")))).join("\n");
}

test("make macos-app off macOS says it needs macOS and exits non-zero", { skip: process.platform === "darwin" ? "this is a Mac: it would build" : false }, () => {
  const r = spawnSync("make", ["--no-print-directory", "macos-app"], { cwd: ROOT, encoding: "utf8" });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /make macos-app needs macOS/);
  assert.doesNotMatch(r.stdout, /tsc|swift build/, "it stops before building anything");
});

test("the menubar shell: a SwiftUI MenuBarExtra that spawns `clawdbot companion --stdio` and only renders", async () => {
  const src = await shellSources();
  const lines = src.split("\n").length;
  assert.ok(lines >= 300 && lines <= 600, `the shell should stay a thin renderer (300–600 lines), it has ${lines}`);
  assert.match(src, /MenuBarExtra \{/);
  assert.match(src, /\.menuBarExtraStyle\(\.menu\)/);
  assert.match(src, /\[config\.runJs, "companion", "--stdio"\]/);
  assert.match(src, /SMAppService\.mainApp\.register\(\)/);
  assert.match(src, /decode\(CompanionMessage\.self/, "it reads the generated companion models");
  assert.match(src, /\.hello\(HelloMessage\(/);
  assert.match(src, /\.notificationAction\(NotificationActionMessage\(/);
  for (const state of [".running", ".stopped", ".unreachable", ".pairingRequired"]) assert.ok(src.includes(`case ${state}:`), `status icon for ${state}`);
  assert.doesNotMatch(src, /WKWebView|WebView|Electron|Tauri/, "no web view: the browser opens URLs");
  const manifest = await readFile(join(ROOT, "macos", "Package.swift"), "utf8");
  assert.match(manifest, /\.executableTarget\(name: "ClawdbotMenuBar", dependencies: \["ClawdbotProtocol"\], path: "ClawdbotMenuBar"\)/);
  assert.match(manifest, /platforms: \[\.macOS\(\.v13\)/);
  const plist = await readFile(join(ROOT, "macos", "Info.plist"), "utf8");
  assert.match(plist, /<key>LSUIElement<\/key>\s*<true\/>/);
  assert.match(plist, /<key>LSMinimumSystemVersion<\/key>\s*<string>13\.0<\/string>/);
});

// `clawdbot nodes canvas …` in the built CLI against a real node host with a headless Chromium.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { startGateway } from "../support/gateway.js";
import { jsonOut, runCli, tempDir } from "../cli/run-cli.js";
import { spawnNodeHost } from "./support/node-host.js";
import { PNG_SIGNATURE, startPages } from "./support/pages.js";

const CHROMIUM = process.env["CHROMIUM_PATH"] || "/usr/bin/chromium";

test("nodes canvas navigate | eval | snapshot --out | a2ui push", async (t) => {
  if (!existsSync(CHROMIUM)) return t.skip(`${CHROMIUM} not found: run scripts/ensure-chromium.sh as root (Debian package chromium)`);
  const gw = await startGateway();
  t.after(() => gw.stop());
  const pages = await startPages(t);
  const node = await spawnNodeHost(t, { url: gw.url, displayName: "canvas-node", canvas: true, nodeConfig: { canvasHostUrl: `${pages.base}/with` } });
  const stateDir = await tempDir(t, "clawdbot-op-");
  const cli = (...args: string[]) => runCli([...args, "--url", gw.url], { stateDir, killAfterMs: 60_000 });
  const dir = await tempDir(t, "clawdbot-a2ui-");
  const jsonl = join(dir, "msgs.jsonl");
  await writeFile(jsonl, '{"beginRendering":{"surfaceId":"main"}}\n\n{"surfaceUpdate":{"surfaceId":"main"}}\n');

  const pushed = await cli("nodes", "canvas", "a2ui", "push", "--node", "canvas-node", "--file", jsonl);
  assert.equal(pushed.code, 0, pushed.stderr);
  assert.match(pushed.stdout, /^pushed 2 messages\n/);
  const received = await cli("nodes", "canvas", "eval", "--node", node.nodeId, "window.received", "--json");
  assert.deepEqual(jsonOut(received), { nodeId: node.nodeId, result: [{ beginRendering: { surfaceId: "main" } }, { surfaceUpdate: { surfaceId: "main" } }] });

  const nav = await cli("nodes", "canvas", "navigate", "--node", node.nodeId, `${pages.base}/hello.html`);
  assert.equal(nav.code, 0, nav.stderr);
  assert.equal(nav.stdout.trim(), `${pages.base}/hello.html  "hello"`);
  const evaluated = await cli("nodes", "canvas", "eval", "--node", node.nodeId, "document.title + '!'", "--json");
  assert.deepEqual(jsonOut(evaluated), { nodeId: node.nodeId, result: "hello!" });
  const out = join(dir, "shot.png");
  const shot = await cli("nodes", "canvas", "snapshot", "--node", node.nodeId, "--out", out);
  assert.equal(shot.code, 0, shot.stderr);
  assert.equal(shot.stdout.trim(), out, "prints the path it wrote");
  const png = await readFile(out);
  assert.deepEqual(png.subarray(0, 8), PNG_SIGNATURE);
  assert.ok(png.length > 100);
});

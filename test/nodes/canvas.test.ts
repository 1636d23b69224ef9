// The canvas through a real node host (headless Chromium via playwright-core), and the Canvas class in-process.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { Canvas, NodeCommandError } from "../../cli/src/node-host/index.js";
import { startGateway } from "../support/gateway.js";
import { connectOperator, invoke, spawnNodeHost } from "./support/node-host.js";
import { PNG_SIGNATURE, startPages } from "./support/pages.js";

const CHROMIUM = process.env["CHROMIUM_PATH"] || "/usr/bin/chromium";

function needsChromium(t: TestContext): boolean {
  if (existsSync(CHROMIUM)) return true;
  t.skip(`${CHROMIUM} not found: run scripts/ensure-chromium.sh as root (Debian package chromium)`);
  return false;
}

test("canvas.navigate then canvas.snapshot through the node host returns a PNG; canvas.eval reads the page", async (t) => {
  if (!needsChromium(t)) return;
  const gw = await startGateway();
  t.after(() => gw.stop());
  const pages = await startPages(t);
  const a = await spawnNodeHost(t, { url: gw.url, displayName: "canvas", canvas: true });
  const op = await connectOperator(t, gw.url);

  const nav = (await invoke(op, a.nodeId, "canvas.navigate", { url: `${pages.base}/hello.html` })).payload as { url: string; title: string };
  assert.deepEqual(nav, { url: `${pages.base}/hello.html`, title: "hello" });
  const shot = (await invoke(op, a.nodeId, "canvas.snapshot", { format: "png" })).payload as { format: string; base64: string; width: number; height: number };
  const png = Buffer.from(shot.base64, "base64");
  assert.equal(shot.format, "png");
  assert.ok(png.length > 100, "a real image");
  assert.deepEqual(png.subarray(0, 8), PNG_SIGNATURE);
  assert.deepEqual([shot.width, shot.height], [1024, 768]);
  assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [1024, 768], "IHDR agrees");
  const text = (await invoke(op, a.nodeId, "canvas.eval", { javaScript: "document.getElementById('h').textContent" })).payload;
  assert.deepEqual(text, { result: "hello canvas" });

  const data = (await invoke(op, a.nodeId, "canvas.present", { url: "data:text/html,<title>inline</title><p>x</p>" })).payload as { title: string };
  assert.equal(data.title, "inline");
  const awaited = (await invoke(op, a.nodeId, "canvas.eval", { javaScript: "new Promise((r) => setTimeout(() => r({ n: 2 + 2 }), 10))" })).payload;
  assert.deepEqual(awaited, { result: { n: 4 } });
});

test("canvas.a2ui.push reaches the gateway's own canvas host A2UI page, or the page a node is configured with", async (t) => {
  if (!needsChromium(t)) return;
  const gw = await startGateway();
  t.after(() => gw.stop());
  const pages = await startPages(t);
  const plain = await spawnNodeHost(t, { url: gw.url, displayName: "plain", canvas: true });
  const hosted = await spawnNodeHost(t, { url: gw.url, displayName: "hosted", canvas: true, nodeConfig: { canvasHostUrl: `${pages.base}/with` } });
  const op = await connectOperator(t, gw.url);
  const messages = [{ beginRendering: { surfaceId: "main" } }, { surfaceUpdate: { surfaceId: "main", components: [] } }];

  // The gateway announces its canvas host in hello-ok; the node renders on its real A2UI page.
  const real = [
    { surfaceUpdate: { surfaceId: "main", components: [{ id: "root", component: { Text: { text: { literalString: "hello canvas" } } } }] } },
    { beginRendering: { surfaceId: "main", root: "root" } },
  ];
  const viaHost = await op.call("canvas.a2ui.push", { nodeId: plain.nodeId, messages: real, idempotencyKey: "a2ui-1" });
  const viaPayload = viaHost.payload as { url: string; count: number };
  assert.match(viaPayload.url, /^http:\/\/127\.0\.0\.1:\d+\/__clawdbot__\/a2ui\/$/);
  assert.equal(viaPayload.count, 2);
  const surfaces = (await invoke(op, plain.nodeId, "canvas.eval", { javaScript: "JSON.stringify(window.clawdbotA2UI.surfaces())" })).payload;
  assert.match(JSON.stringify(surfaces), /main/);

  const ok = await op.call("canvas.a2ui.push", { nodeId: hosted.nodeId, messages, idempotencyKey: "a2ui-2" });
  assert.deepEqual(ok.payload, { url: `${pages.base}/with/__clawdbot__/a2ui/`, count: 2, result: { accepted: 2 } });
  const seen = (await invoke(op, hosted.nodeId, "canvas.eval", { javaScript: "window.received" })).payload;
  assert.deepEqual(seen, { result: messages });
});

test("Canvas in-process: a page without window.clawdbotA2UI.push, a 404, file: URLs and a throwing script are refused clearly", async (t) => {
  if (!needsChromium(t)) return;
  const pages = await startPages(t);
  let host = `${pages.base}/without`;
  const canvas = new Canvas({ executablePath: CHROMIUM, loadPlaywright: () => import("playwright-core"), canvasHostUrl: () => host, timeoutMs: 15_000 });
  t.after(() => canvas.close());
  const code = async (p: Promise<unknown>) => {
    const e = await p.then(() => assert.fail("expected a refusal"), (x: unknown) => x);
    assert.ok(e instanceof NodeCommandError, String(e));
    return e;
  };
  const missing = await code(canvas.a2uiPush({ messages: [{}] }));
  assert.equal(missing.code, "UNAVAILABLE");
  assert.match(missing.message, /does not expose window\.clawdbotA2UI\.push/);
  host = `${pages.base}/nowhere`;
  assert.match((await code(canvas.a2uiPush({ messages: [{}] }))).message, /answered HTTP 404/);
  assert.equal((await code(canvas.navigate({ url: "file:///etc/passwd" }))).code, "FORBIDDEN");
  assert.equal((await code(canvas.navigate({ url: "not a url" }))).code, "INVALID_REQUEST");
  const thrown = await code(canvas.eval({ javaScript: "(() => { throw new Error('boom') })()" }));
  assert.match(thrown.message, /boom/);
  assert.equal((await code(canvas.eval({}))).code, "INVALID_REQUEST");
});

// Live reload end to end: a real Chromium page reloads when the agent rewrites its files; the
// canvas WebSocket only talks to its own origin and only about the page's own session.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import WebSocket from "ws";
import type { Page } from "playwright-core";
import { loadTls } from "../../sidecar/src/server/tls.js";
import { openPage } from "../webchat/support/browser.js";
import { rawRequest, startHost } from "./support/host.js";

/** Waits until the injected live.js has its WebSocket open (a write before that could go unheard). */
async function liveConnected(page: Page): Promise<void> {
  await page.waitForFunction(() => (globalThis as unknown as { __clawdbotLive?: { connected: boolean } }).__clawdbotLive?.connected === true);
}

/** The one browser global these tests read, typed without the DOM lib. */
type Styled = { getComputedStyle(el: unknown): { color: string } };

function loads(page: Page): { count: number } {
  const c = { count: 0 };
  page.on("load", () => c.count++);
  return c;
}

test("a page of the session reloads and shows the new index.html after the agent writes it", async (t) => {
  const bp = await openPage(t);
  if (!bp) return;
  const { page, errors } = bp;
  const h = await startHost(t);
  await h.files.write("main", "index.html", Buffer.from("<!doctype html><title>v1</title><body><h1 id=v>version one</h1></body>"));
  await h.files.write("main", "style.css", Buffer.from("h1 { color: rgb(200, 0, 0); }"));

  await page.goto(`${h.url}/main/index.html`);
  await page.locator("#v", { hasText: "version one" }).waitFor();
  await liveConnected(page);

  await h.files.write("main", "index.html", Buffer.from('<!doctype html><link rel=stylesheet href="style.css"><body><h1 id=v>version two</h1></body>'));
  await page.locator("#v", { hasText: "version two" }).waitFor();
  assert.equal(await page.locator("#v").evaluate((el) => (globalThis as unknown as Styled).getComputedStyle(el).color), "rgb(200, 0, 0)", "relative assets load next to index.html");
  await liveConnected(page);

  await h.files.write("main", "style.css", Buffer.from("h1 { color: rgb(0, 0, 200); }"));
  await page.waitForFunction("getComputedStyle(document.getElementById('v')).color === 'rgb(0, 0, 200)'");
  assert.deepEqual(errors, []);
});

test("the scaffold page of an empty session turns into the agent's page once index.html is written", async (t) => {
  const bp = await openPage(t);
  if (!bp) return;
  const { page, errors } = bp;
  const h = await startHost(t);
  await page.goto(`${h.url}/fresh/`);
  await page.getByText("This canvas is empty").waitFor();
  await page.screenshot({ path: "/tmp/canvas-scaffold.png" });
  await liveConnected(page);
  await h.files.write("fresh", "index.html", Buffer.from("<body><p id=hello>Hello from the agent</p></body>"));
  await page.locator("#hello").waitFor();
  assert.equal(await page.getByText("This canvas is empty").count(), 0);
  assert.deepEqual(errors, []);
});

test("a write reloads the pages of its own session only", async (t) => {
  const a = await openPage(t);
  const b = await openPage(t);
  if (!a || !b) return;
  const h = await startHost(t);
  await h.files.write("main", "index.html", Buffer.from("<body><p id=p>main 1</p></body>"));
  await h.files.write("other", "index.html", Buffer.from("<body><p id=p>other 1</p></body>"));
  await a.page.goto(`${h.url}/main/`);
  await b.page.goto(`${h.url}/other/`);
  await Promise.all([liveConnected(a.page), liveConnected(b.page)]);
  const aLoads = loads(a.page);
  const bLoads = loads(b.page);

  await h.files.write("other", "index.html", Buffer.from("<body><p id=p>other 2</p></body>"));
  await b.page.locator("#p", { hasText: "other 2" }).waitFor();
  await h.files.write("main", "index.html", Buffer.from("<body><p id=p>main 2</p></body>"));
  await a.page.locator("#p", { hasText: "main 2" }).waitFor();
  assert.equal(aLoads.count, 1, "the main page reloaded once: for its own write, not for the other session's");
  assert.equal(bLoads.count, 1);
});

/** Opens a WebSocket and resolves with its first message, or rejects with the refusal. */
function firstMessage(url: string, headers: Record<string, string> = {}): { opened: Promise<WebSocket>; message: Promise<unknown> } {
  const ws = new WebSocket(url, { headers });
  const opened = new Promise<WebSocket>((resolve, reject) => {
    ws.once("open", () => resolve(ws));
    ws.once("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once("error", reject);
  });
  const message = new Promise<unknown>((resolve) => ws.once("message", (d) => resolve(JSON.parse(String(d)))));
  return { opened, message };
}

test("the canvas WebSocket: own origin or none only, a session or a2ui required, and reload messages per session", async (t) => {
  const h = await startHost(t);
  const ws = `ws://127.0.0.1:${h.port}/__clawdbot__/ws`;
  await assert.rejects(firstMessage(`${ws}?session=main`, { origin: "http://evil.example" }).opened, /HTTP 403/);
  await assert.rejects(firstMessage(`${ws}?session=main`, { origin: "http://localhost:1" }).opened, /HTTP 403/);
  await assert.rejects(firstMessage(ws).opened, /HTTP 400/);
  await assert.rejects(firstMessage(`ws://127.0.0.1:${h.port}/main/?session=main`).opened, /HTTP 404/);

  const main = firstMessage(`${ws}?session=main`, { origin: `http://127.0.0.1:${h.port}` });
  const other = firstMessage(`${ws}?session=other`);
  const sockets = await Promise.all([main.opened, other.opened]);
  t.after(() => sockets.forEach((s) => s.terminate()));

  await h.files.write("other", "a.txt", Buffer.from("1"));
  assert.deepEqual(await other.message, { type: "reload", session: "other" });
  await h.files.write("main", "a.txt", Buffer.from("1"));
  assert.deepEqual(await main.message, { type: "reload", session: "main" }, "the first message main hears is about main");

  const closed = new Promise<number>((resolve) => sockets[0].once("close", (code) => resolve(code)));
  await h.host.close();
  assert.equal(await closed, 1001, "closing the host closes page sockets with 1001 going away");
});

test("a page that connects with a stale version is told to reload at once; cached HTML is valid for one version only", async (t) => {
  const h = await startHost(t);
  await h.files.write("main", "index.html", Buffer.from("<body>v</body>"));
  const page = await rawRequest(h.port, "/main/");
  const served = /data-version="([^"]+)"/.exec(page.text)?.[1];
  assert.ok(served);
  const etag = String(page.headers.etag);
  const ws = `ws://127.0.0.1:${h.port}/__clawdbot__/ws?session=main&version=`;

  // Current version: nothing before the pong (the server would send a stale-page reload first).
  const current = firstMessage(`${ws}${encodeURIComponent(served)}`);
  const socket = await current.opened;
  t.after(() => socket.terminate());
  let early: unknown;
  void current.message.then((m) => (early = m));
  await new Promise<void>((resolve) => {
    socket.once("pong", () => resolve());
    socket.ping();
  });
  assert.equal(early, undefined, "a page with the current version is not reloaded");

  // A change to any file of the session moves the version.
  await h.files.write("main", "style.css", Buffer.from("p{}"));
  assert.deepEqual(await current.message, { type: "reload", session: "main" });
  const stale = firstMessage(`${ws}${encodeURIComponent(served)}`);
  t.after(async () => (await stale.opened).terminate());
  assert.deepEqual(await stale.message, { type: "reload", session: "main" }, "a page that missed the change reloads as it connects");

  const again = await rawRequest(h.port, "/main/", { headers: { "if-none-match": etag } });
  assert.equal(again.status, 200, "the old ETag no longer matches: a cached copy would carry the old version");
  assert.notEqual(/data-version="([^"]+)"/.exec(again.text)?.[1], served);
  assert.equal((await rawRequest(h.port, "/main/", { headers: { "if-none-match": String(again.headers.etag) } })).status, 304);
});

test("live reload works over wss:// when the host serves TLS", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "clawdbot-canvas-tls-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const tls = await loadTls(dir, {});
  const h = await startHost(t, { tls: { cert: tls.cert, key: tls.key } });
  const ws = new WebSocket(`wss://127.0.0.1:${h.port}/__clawdbot__/ws?session=main`, { ca: tls.cert });
  t.after(() => ws.terminate());
  await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
  const message = new Promise<unknown>((resolve) => ws.once("message", (d) => resolve(JSON.parse(String(d)))));
  await h.files.write("main", "index.html", Buffer.from("<p>tls</p>"));
  assert.deepEqual(await message, { type: "reload", session: "main" });
});

// The canvas host beyond loopback: every session and A2UI page needs the unguessable capability
// URL the gateway hands out (then a cookie scoped to that page's capability carries it); session
// pages may not be framed and cannot open the gateway's socket.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import WebSocket from "ws";
import { CanvasCapabilities, INTERNAL_SCOPE, cookieName } from "../../sidecar/src/canvas/capability.js";
import { rawRequest, startHost, type RawResponse } from "./support/host.js";
import { startGateway } from "../support/gateway.js";
import { connectRaw } from "../support/raw-client.js";
import { openPage } from "../webchat/support/browser.js";

async function capHost(t: TestContext) {
  const caps = new CanvasCapabilities();
  const h = await startHost(t, { capabilities: caps });
  await h.files.write("main", "index.html", Buffer.from("<html><body>main page</body></html>"));
  await h.files.write("main", "real.txt", Buffer.from("inside"));
  await h.files.write("other", "private.txt", Buffer.from("other session"));
  return { ...h, caps };
}

function cookieOf(res: RawResponse): string {
  const set = res.headers["set-cookie"];
  assert.ok(set && set.length === 1, `expected one Set-Cookie, got ${JSON.stringify(set)}`);
  const value = set[0]!;
  assert.match(value, /HttpOnly/);
  assert.match(value, /SameSite=Strict/);
  return value.split(";")[0]!;
}

/** Opens a canvas WebSocket; resolves with the HTTP status (101 when it opened). */
function upgrade(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on("open", () => {
      ws.close();
      resolve(101);
    });
    ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
    ws.on("error", () => resolve(0));
  });
}

test("without its capability no session page is served; a wrong, another session's or the A2UI token does not open it", async (t) => {
  const h = await capHost(t);
  const { caps } = h;
  for (const path of ["/main/", "/main/real.txt", "/main/index.html", "/other/private.txt", "/nope/"]) {
    const res = await rawRequest(h.port, path);
    assert.equal(res.status, 403, path);
    assert.ok(!res.text.includes("inside") && !res.text.includes("main page"));
  }
  for (const token of ["A".repeat(32), caps.token("other"), caps.token(INTERNAL_SCOPE), caps.token("main").slice(0, 31)]) {
    assert.equal((await rawRequest(h.port, `/__cap__/${token}/main/real.txt`)).status, 403, token);
  }
  // A forged cookie does not help either.
  assert.equal((await rawRequest(h.port, "/main/real.txt", { headers: { cookie: `${cookieName("main")}=${caps.token("other")}` } })).status, 403);
});

test("the capability URL serves the session and sets a cookie for that session only", async (t) => {
  const h = await capHost(t);
  const base = `/__cap__/${h.caps.token("main")}`;
  const page = await rawRequest(h.port, `${base}/main/`);
  assert.equal(page.status, 200);
  assert.match(page.text, /main page/);
  const cookie = cookieOf(page);
  assert.equal((await rawRequest(h.port, `${base}/main/real.txt`)).text, "inside");
  // The cookie lets the page's absolute links (and its live-reload socket) through; other sessions stay shut.
  assert.equal((await rawRequest(h.port, "/main/real.txt", { headers: { cookie } })).text, "inside");
  assert.equal((await rawRequest(h.port, "/other/private.txt", { headers: { cookie } })).status, 403);
  // Redirects keep the capability prefix.
  const bare = await rawRequest(h.port, `${base}/main`);
  assert.equal(bare.status, 301);
  assert.equal(bare.headers.location, `${base}/main/`);
});

test("the A2UI page and its socket need the A2UI capability; the session socket needs the session's", async (t) => {
  const h = await capHost(t);
  assert.equal((await rawRequest(h.port, "/__clawdbot__/a2ui/")).status, 403);
  assert.equal((await rawRequest(h.port, "/__clawdbot__/live.js")).status, 200, "the live-reload script itself is public");
  const a2ui = await rawRequest(h.port, `/__cap__/${h.caps.token(INTERNAL_SCOPE)}/__clawdbot__/a2ui/`);
  assert.notEqual(a2ui.status, 403);
  const ws = `ws://127.0.0.1:${h.port}/__clawdbot__/ws`;
  const origin = { Origin: `http://127.0.0.1:${h.port}` };
  assert.equal(await upgrade(`${ws}?a2ui=1`, origin), 403);
  assert.equal(await upgrade(`${ws}?session=main`, origin), 403);
  assert.equal(await upgrade(`ws://127.0.0.1:${h.port}/__cap__/${h.caps.token(INTERNAL_SCOPE)}/__clawdbot__/ws?a2ui=1`, origin), 101);
  const sessionCookie = `${cookieName("main")}=${h.caps.token("main")}`;
  assert.equal(await upgrade(`${ws}?session=main`, { ...origin, Cookie: sessionCookie }), 101);
  assert.equal(await upgrade(`${ws}?session=other`, { ...origin, Cookie: sessionCookie }), 403);
});

test("session and A2UI pages are never framed and may not open sockets beyond the canvas host (on loopback too)", async (t) => {
  const h = await startHost(t);
  await h.files.write("main", "index.html", Buffer.from("<html><body>x</body></html>"));
  for (const path of ["/main/", "/main/index.html", "/empty/"]) {
    const res = await rawRequest(h.port, path);
    assert.equal(res.headers["x-frame-options"], "DENY", path);
    const csp = String(res.headers["content-security-policy"]);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, /connect-src 'self' ws:\/\/127\.0\.0\.1:\d+ https: data: blob:/);
    assert.doesNotMatch(csp, /connect-src[^;]*(\*|ws:(?!\/\/)|wss:(?!\/\/))/, "no scheme-wide ws:/wss: source");
  }
  const a2ui = await rawRequest(h.port, "/__clawdbot__/a2ui/");
  if (a2ui.status === 200) {
    assert.equal(a2ui.headers["x-frame-options"], "DENY");
    assert.match(String(a2ui.headers["content-security-policy"]), /frame-ancestors 'none'/);
  }
});

test("a gateway bound beyond loopback hands out capability URLs (hello-ok.canvasHostUrl, canvas.write) and the bare paths are shut", async (t) => {
  const TOKEN = "canvas-capability-token";
  const gw = await startGateway({ flags: { bind: "lan", token: TOKEN } });
  t.after(() => gw.stop());
  const { client, res } = await connectRaw(gw.url, { token: TOKEN, scopes: ["operator.admin"] });
  t.after(() => client.close());
  const hostUrl = (res.payload as { canvasHostUrl: string }).canvasHostUrl;
  assert.match(hostUrl, /\/__cap__\/[A-Za-z0-9_-]{32}$/);
  const written = await client.request("canvas.write", { session: "main", path: "hello.txt", content: "hi there" });
  assert.equal(written.ok, true, JSON.stringify(written));
  const url = new URL((written.payload as { url: string }).url);
  assert.match(url.pathname, /^\/__cap__\/[A-Za-z0-9_-]{32}\/main\/hello\.txt$/);
  const port = Number(url.port);
  assert.equal((await rawRequest(port, url.pathname)).text, "hi there");
  assert.equal((await rawRequest(port, "/main/hello.txt")).status, 403);
  const listed = (await client.request("canvas.list", { session: "main" })).payload as { url: string };
  assert.equal(new URL(listed.url).pathname, url.pathname.replace(/hello\.txt$/, ""));
});

test("a loopback gateway's canvas URLs carry no capability and are served as before", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const { client, res } = await connectRaw(gw.url, { scopes: ["operator.admin"] });
  t.after(() => client.close());
  assert.doesNotMatch((res.payload as { canvasHostUrl: string }).canvasHostUrl, /__cap__/);
  const written = await client.request("canvas.write", { session: "main", path: "a.txt", content: "plain" });
  assert.equal(written.ok, true, JSON.stringify(written));
  const url = new URL((written.payload as { url: string }).url);
  assert.equal(url.pathname, "/main/a.txt");
  assert.equal((await rawRequest(Number(url.port), url.pathname)).text, "plain");
});

test("in a browser: a session page cannot open the gateway's WebSocket (CSP), while its own live-reload socket connects", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const browser = await openPage(t);
  if (!browser) return;
  const { client, res } = await connectRaw(gw.url, { scopes: ["operator.admin"] });
  t.after(() => client.close());
  const canvas = (res.payload as { canvasHostUrl: string }).canvasHostUrl;
  const written = await client.request("canvas.write", { session: "main", path: "index.html", content: "<html><body><h1>probe</h1></body></html>" });
  assert.equal(written.ok, true, JSON.stringify(written));
  const { page, errors } = browser;
  await page.goto(`${canvas}/main/`);
  assert.equal(await page.textContent("h1"), "probe");
  await page.waitForFunction(() => (globalThis as unknown as { __clawdbotLive?: { connected: boolean } }).__clawdbotLive?.connected === true);
  const outcome = await page.evaluate(async (gatewayUrl) => {
    return await new Promise<string>((resolve) => {
      try {
        const ws = new WebSocket(gatewayUrl);
        ws.onopen = () => resolve("opened");
        ws.onerror = () => resolve("error");
      } catch (err) {
        resolve(`threw: ${(err as Error).name}`);
      }
      setTimeout(() => resolve("timeout"), 5000);
    });
  }, gw.url);
  assert.notEqual(outcome, "opened", "the page reached the gateway's socket");
  assert.ok(errors.some((e) => /Content Security Policy/.test(e)), `no CSP violation reported: ${errors.join("\n")}`);
});

// The Control UI's security properties in Chromium: only its own origin's socket, nothing taken from
// the address or postMessage, no framing, no inline script, attacker-controlled text shown as text,
// and a typed gateway token kept for its origin only.
import { test } from "node:test";
import assert from "node:assert/strict";
import { WebSocketServer } from "ws";
import { startGateway } from "../support/gateway.js";
import { DeviceStore } from "@clawdbot/sidecar";
import { connectRaw } from "../support/raw-client.js";
import { PROXY_ADDRESS, startReverseProxy } from "../support/reverse-proxy.js";
import { openPage } from "../webchat/support/browser.js";
import { listen } from "../webchat/support/serve.js";
import { connected, go, openControl, shoot } from "./support.js";

/** A listener on another port that records every HTTP request and WebSocket it gets. */
async function otherServer(t: import("node:test").TestContext) {
  const hits: string[] = [];
  const srv = await listen((req, res) => {
    hits.push(`http ${req.method} ${req.url}`);
    res.end();
  });
  const wss = new WebSocketServer({ server: srv.server });
  wss.on("connection", (_ws, req) => hits.push(`ws ${req.url}`));
  t.after(() => srv.close());
  t.after(() => wss.close());
  return { ...srv, hits };
}

interface SentConnect {
  auth?: { token?: string; password?: string };
  client: { id: string; mode: string };
}

test("gatewayUrl and token in the query, the fragment or a postMessage are ignored: only the page's own socket, no token sent", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const evil = await otherServer(t);
  const bp = await openPage(t);
  if (!bp) return;
  const { page, errors } = bp;
  const sockets: string[] = [];
  const connects: SentConnect[] = [];
  page.on("websocket", (ws) => {
    sockets.push(ws.url());
    ws.on("framesent", (f) => {
      const frame = JSON.parse(String(f.payload)) as { method?: string; params?: SentConnect };
      if (frame.method === "connect" && frame.params) connects.push(frame.params);
    });
  });
  const bad = `ws://127.0.0.1:${evil.port}/`;
  const q = `gatewayUrl=${encodeURIComponent(bad)}&url=${encodeURIComponent(bad)}&token=stolen-token&password=stolen-password`;
  await page.goto(`http://127.0.0.1:${gw.port}/control/?${q}#/overview?${q}`);
  await connected(page);
  await page.evaluate(`window.postMessage({ gatewayUrl: ${JSON.stringify(bad)}, token: "posted-token", type: "connect" }, "*")`);
  await page.evaluate(`window.postMessage(JSON.stringify({ gatewayUrl: ${JSON.stringify(bad)}, token: "posted-token" }), "*")`);
  await page.reload();
  await connected(page);
  await go(page, "Devices");

  assert.deepEqual([...new Set(sockets)], [`ws://127.0.0.1:${gw.port}/`], "only the page's own origin");
  assert.ok(connects.length >= 2);
  for (const c of connects) {
    assert.equal(c.auth?.password, undefined);
    assert.doesNotMatch(JSON.stringify(c), /stolen|posted/, "nothing from the address or a message is sent");
    assert.deepEqual([c.client.id, c.client.mode], ["clawdbot-control-ui", "ui"]);
  }
  assert.equal(connects[0]!.auth, undefined, "a first visit sends no token at all");
  // A check on the other listener after the page has done everything it will do.
  const probe = await connectRaw(gw.url);
  probe.client.close();
  assert.deepEqual(evil.hits, [], "the other URL saw zero connections");
  assert.deepEqual(errors, []);
});

test("a page on another origin cannot open the gateway's socket, nor frame the Control UI", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const foreign = await listen((_req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(`<!doctype html><title>elsewhere</title>
      <iframe id="f" src="http://127.0.0.1:${gw.port}/control/"></iframe>
      <script>
        window.out = { events: [], messages: [] };
        const ws = new WebSocket("ws://127.0.0.1:${gw.port}/");
        ws.onopen = () => out.events.push("open");
        ws.onmessage = (e) => out.messages.push(String(e.data));
        ws.onerror = () => out.events.push("error");
        ws.onclose = (e) => { out.events.push("close " + e.code); document.title = "done"; };
      </script>`);
  });
  t.after(() => foreign.close());
  const bp = await openPage(t);
  if (!bp) return;
  const { page } = bp;
  await page.goto(`${foreign.origin}/`);
  await page.waitForFunction("document.title === 'done'", undefined, { timeout: 20_000 });
  assert.deepEqual(await page.evaluate("window.out"), { events: ["error", "close 1006"], messages: [] }, "refused at the upgrade: not even connect.challenge");
  const framed = page.frames().find((f) => f !== page.mainFrame());
  assert.ok(framed);
  // The main document's load waits for its frames, refused or not.
  await page.waitForFunction("document.readyState === 'complete'");
  assert.notEqual(framed.url(), `http://127.0.0.1:${gw.port}/control/`, "frame-ancestors 'none' keeps the Control UI out of frames");
  assert.equal(await framed.locator("#app").count(), 0);
});

test("message text with <img onerror> renders as text; an injected inline script is blocked by the CSP", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const bp = await openControl(t, gw.port, "#/chat");
  if (!bp) return;
  const { page } = bp;
  await connected(page);
  const attack = `<img src=x onerror="document.title='pwned'"><b>bold?</b>`;
  await page.getByRole("textbox", { name: "Message" }).fill(attack);
  await page.getByRole("button", { name: "Send" }).click();
  const log = page.getByRole("log", { name: "Conversation" });
  await log.locator('[data-role="assistant"][data-state="final"]').waitFor({ timeout: 20_000 });
  const bubbles = await log.locator(".bubble").allTextContents();
  assert.deepEqual(bubbles, [attack, `echo: ${attack}`], "shown exactly as typed");
  assert.equal(await log.locator("img, b").count(), 0, "no element was made from the text");
  assert.notEqual(await page.title(), "pwned");
  await shoot(page, "chat", () => log.waitFor());

  const violation = await page.evaluate(`new Promise((resolve) => {
    document.addEventListener("securitypolicyviolation", (e) => resolve(e.effectiveDirective), { once: true });
    const s = document.createElement("script");
    s.textContent = "document.title = 'inline ran'";
    document.body.append(s);
    setTimeout(() => resolve("no violation"), 5000);
  })`);
  assert.match(String(violation), /^script-src/);
  assert.notEqual(await page.title(), "inline ran");
});

test("a typed gateway token is kept for its origin only (a browser on another machine): the next visit connects, another gateway's page never gets it", async (t) => {
  // On the gateway host the page gets in by local approval; the token is asked of other machines,
  // here a browser behind a reverse proxy the gateway trusts.
  const gw = await startGateway({ flags: { token: "first-gateway-secret" }, file: { gateway: { trustedProxies: [PROXY_ADDRESS] } } });
  t.after(() => gw.stop());
  const second = await startGateway({ flags: { token: "second-gateway-secret" }, file: { gateway: { trustedProxies: [PROXY_ADDRESS] } } });
  t.after(() => second.stop());
  const firstProxy = await startReverseProxy(gw.port, "append-x-forwarded-for", "198.51.100.20");
  t.after(() => firstProxy.close());
  const secondProxy = await startReverseProxy(second.port, "append-x-forwarded-for", "198.51.100.21");
  t.after(() => secondProxy.close());
  const bp = await openPage(t);
  if (!bp) return;
  const { page } = bp;
  const sent: { url: string; frame: string }[] = [];
  page.on("websocket", (ws) => ws.on("framesent", (f) => sent.push({ url: ws.url(), frame: String(f.payload) })));

  await page.goto(`${firstProxy.origin}/control/`);
  const form = page.getByRole("form", { name: "This gateway needs its token" });
  await form.waitFor();
  await shoot(page, "token", () => form.waitFor());
  await form.getByLabel("Gateway token or password").fill("wrong-secret");
  // The page keeps retrying in the background; what a person is typing survives every retry.
  await page.evaluate(`new Promise((resolve) => {
    const seen = [];
    new MutationObserver(() => {
      seen.push(document.getElementById("status").dataset.state);
      if (seen.includes("connecting") && seen.at(-1) === "disconnected") resolve();
    }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ["data-state"] });
  })`);
  assert.equal(await form.getByLabel("Gateway token or password").inputValue(), "wrong-secret");
  await form.getByRole("button", { name: "Connect" }).click();
  await form.getByText("The gateway refused the token or password this browser sent.").waitFor();
  await form.getByLabel("Gateway token or password").fill("first-gateway-secret");
  await form.getByRole("button", { name: "Connect" }).click();
  // Past the token, a new browser on another machine is approved once on the gateway host.
  await page.getByRole("region", { name: "Waiting for approval" }).waitFor();
  const requestId = await page.locator("#request-id").innerText();
  assert.ok(await (await DeviceStore.open(gw.stateDir, Date.now)).approve(requestId));
  await connected(page);
  const stored = JSON.parse((await page.evaluate<string | null>("localStorage.getItem('clawdbot.control.gatewayAuth')")) ?? "{}") as { origin?: string; token?: string };
  assert.deepEqual(stored, { origin: firstProxy.origin, token: "first-gateway-secret" });

  await page.reload();
  await connected(page);
  assert.equal(await form.count(), 0, "the next visit does not ask again");

  await page.goto(`${secondProxy.origin}/control/`);
  await page.getByRole("form", { name: "This gateway needs its token" }).waitFor();
  const toSecond = sent.filter((s) => s.url === `${secondProxy.url}/`);
  assert.ok(toSecond.length > 0);
  for (const s of toSecond) assert.doesNotMatch(s.frame, /first-gateway-secret/, "the first gateway's token never goes to another origin");
  for (const s of sent.filter((x) => x.frame.includes("first-gateway-secret"))) assert.equal(s.url, `${firstProxy.url}/`);
});

test("on the gateway host the Control UI of a gateway with a token gets in by local approval, without asking for the token", async (t) => {
  const gw = await startGateway({ flags: { token: "host-gateway-secret" } });
  t.after(() => gw.stop());
  const bp = await openControl(t, gw.port);
  if (!bp) return;
  const { page } = bp;
  await connected(page);
  assert.equal(await page.getByRole("form", { name: "This gateway needs its token" }).count(), 0);
  assert.equal(await page.evaluate<string | null>("localStorage.getItem('clawdbot.control.gatewayAuth')"), null);
});

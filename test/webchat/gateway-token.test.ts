// WebChat in Chromium on a gateway that requires a token: on the gateway host the page gets in
// through local approval without the token; from another machine (a browser behind a reverse
// proxy the gateway trusts) it asks for the token, keeps it for that origin only, then waits for
// approval with the command to run and goes on by itself once `clawdbot pair approve` ran.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { DeviceStore } from "@clawdbot/sidecar";
import { startGateway, type StartOptions, type TestGateway } from "../support/gateway.js";
import { PROXY_ADDRESS, startReverseProxy, type ReverseProxy } from "../support/reverse-proxy.js";
import { EXIT, assertExit, runCli } from "../cli-pairing/cli.js";
import { openPage, waitForStatus } from "./support/browser.js";

const TOKEN = "webchat-gateway-token-7f3a";

interface SentConnect {
  auth?: { token?: string; password?: string };
  device?: { id: string };
}

async function gateway(t: import("node:test").TestContext, opts: StartOptions = {}): Promise<TestGateway> {
  const gw = await startGateway({ flags: { token: TOKEN }, ...opts });
  t.after(() => gw.stop());
  return gw;
}

/** A browser "on another machine": the page and its socket come through a proxy the gateway trusts. */
async function remote(t: import("node:test").TestContext, gw: TestGateway, clientAddress: string): Promise<ReverseProxy> {
  const proxy = await startReverseProxy(gw.port, "append-x-forwarded-for", clientAddress);
  t.after(() => proxy.close());
  return proxy;
}

/** Every connect the page sends, with the socket URL it went to. */
function recordConnects(page: Page): { url: string; params: SentConnect; raw: string }[] {
  const sent: { url: string; params: SentConnect; raw: string }[] = [];
  page.on("websocket", (ws) =>
    ws.on("framesent", (f) => {
      const raw = String(f.payload);
      const frame = JSON.parse(raw) as { method?: string; params?: SentConnect };
      if (frame.method === "connect" && frame.params) sent.push({ url: ws.url(), params: frame.params, raw });
    }),
  );
  return sent;
}

async function chatRoundTrip(page: Page, text: string): Promise<void> {
  await page.fill("#input", text);
  await page.click("#send");
  await page.locator('#messages [data-role="assistant"][data-state="final"]', { hasText: text }).waitFor({ timeout: 20_000 });
}

/** Marks the document so a later check can tell the page was never reloaded. */
async function markDocument(page: Page): Promise<void> {
  await page.evaluate("window.__sameDocument = true");
}

async function sameDocument(page: Page): Promise<boolean> {
  return (await page.evaluate("window.__sameDocument === true")) as boolean;
}

test("on the gateway host, WebChat gets in without the gateway token (local approval) and chats", async (t) => {
  const bp = await openPage(t);
  if (!bp) return;
  const { page, errors } = bp;
  const gw = await gateway(t);
  const connects = recordConnects(page);
  await page.goto(`http://127.0.0.1:${gw.port}/`);
  await waitForStatus(page, "connected", 30_000);
  assert.equal(await page.locator("#gate").isHidden(), true);
  await chatRoundTrip(page, "hello on the host");

  assert.ok(connects.length >= 1);
  assert.equal(connects[0]!.params.auth, undefined, "no token was typed or sent");
  const store = await DeviceStore.open(gw.stateDir, Date.now);
  const paired = store.get(connects[0]!.params.device!.id);
  assert.equal(paired?.clientId, "webchat-ui", "the page is paired as its own device");
  assert.deepEqual(errors, []);
});

test("on the gateway host with autoApproveLocal false, WebChat waits with the request id and command; `clawdbot pair approve <id>` lets it in without a reload", async (t) => {
  const bp = await openPage(t);
  if (!bp) return;
  const { page } = bp;
  const gw = await gateway(t, { file: { gateway: { pairing: { autoApproveLocal: false } } } });
  await page.goto(`http://127.0.0.1:${gw.port}/`);
  const waiting = page.getByRole("region", { name: "Waiting for approval" });
  await waiting.waitFor({ timeout: 30_000 });
  await markDocument(page);
  const requestId = (await page.locator("#request-id").innerText()).trim();
  assert.match(requestId, /^[0-9a-f-]{36}$/);
  assert.equal((await waiting.locator("pre.command").innerText()).trim(), `clawdbot pair approve ${requestId}`);
  assert.equal(await page.locator("#status-text").innerText(), "Waiting for approval");
  assert.equal(await page.locator("#chat").isHidden(), true, "no composer while the page cannot chat");
  assert.equal(await page.getByRole("form", { name: "This gateway needs its token" }).count(), 0, "on the host the token is not what is missing");
  await page.screenshot({ path: "/tmp/webchat-waiting-local.png" });

  // The command as shown, run on the gateway host by a CLI that is itself not yet approved.
  const r = await runCli(["pair", "approve", requestId, "--url", gw.url], gw.stateDir);
  assertExit(r, EXIT.ok);
  await waitForStatus(page, "connected", 30_000);
  assert.ok(await sameDocument(page), "the page went on by itself, without a reload");
  assert.equal(await page.locator("#gate").isHidden(), true);
  await chatRoundTrip(page, "approved on the host");
});

test("from another machine: the token form (a wrong token is refused), then waiting with `clawdbot pair approve <id>`, then in without a reload; the token is kept for that origin only", async (t) => {
  const bp = await openPage(t);
  if (!bp) return;
  const { page, errors } = bp;
  const gw = await gateway(t, { file: { gateway: { trustedProxies: [PROXY_ADDRESS] } } });
  const proxy = await remote(t, gw, "198.51.100.7");
  const connects = recordConnects(page);
  const address = `${proxy.origin}/`;

  await page.goto(address);
  const form = page.getByRole("form", { name: "This gateway needs its token" });
  await form.waitFor({ timeout: 30_000 });
  await markDocument(page);
  assert.equal(await page.locator("#chat").isHidden(), true);
  await page.screenshot({ path: "/tmp/webchat-token-form.png" });
  assert.equal(await store(gw).then((s) => s.listPending().length), 0, "without the token nothing is filed");

  await form.getByLabel("Gateway token or password").fill("not-the-token");
  await form.getByRole("button", { name: "Connect" }).click();
  await form.getByText("The gateway refused the token or password this browser sent.").waitFor();

  await form.getByLabel("Gateway token or password").fill(TOKEN);
  await form.getByRole("button", { name: "Connect" }).click();
  const waiting = page.getByRole("region", { name: "Waiting for approval" });
  await waiting.waitFor();
  const requestId = (await page.locator("#request-id").innerText()).trim();
  assert.equal((await waiting.locator("pre.command").innerText()).trim(), `clawdbot pair approve ${requestId}`);
  const pending = (await store(gw)).listPending();
  assert.deepEqual(pending.map((p) => [p.requestId, p.clientId, p.remoteIp]), [[requestId, "webchat-ui", "198.51.100.7"]]);
  await page.screenshot({ path: "/tmp/webchat-waiting-remote.png" });

  const r = await runCli(["pair", "approve", requestId, "--url", gw.url], gw.stateDir);
  assertExit(r, EXIT.ok);
  await waitForStatus(page, "connected", 30_000);
  assert.ok(await sameDocument(page), "the page went on by itself, without a reload");
  await chatRoundTrip(page, "hello from elsewhere");

  assert.equal(page.url(), address, "the token never went into the address");
  const kept = JSON.parse((await page.evaluate<string | null>("localStorage.getItem('clawdbot.webchat.gatewayAuth')")) ?? "{}") as unknown;
  assert.deepEqual(kept, { origin: proxy.origin, token: TOKEN });

  // The next visit goes straight in (its device token), and asks nothing.
  await page.reload();
  await waitForStatus(page, "connected", 30_000);
  assert.equal(await form.count(), 0);

  // Another gateway's page, on another origin, never receives this gateway's token.
  const other = await gateway(t, { flags: { token: "other-gateway-token-91" }, file: { gateway: { trustedProxies: [PROXY_ADDRESS] } } });
  const otherProxy = await remote(t, other, "198.51.100.8");
  await page.goto(`${otherProxy.origin}/`);
  await form.waitFor({ timeout: 30_000 });
  const toOther = connects.filter((c) => c.url === `${otherProxy.url}/`);
  assert.ok(toOther.length > 0);
  for (const c of toOther) assert.doesNotMatch(c.raw, new RegExp(TOKEN), "the token never goes to another origin");
  for (const c of connects.filter((x) => x.raw.includes(TOKEN))) assert.equal(c.url, `${proxy.url}/`);
  assert.deepEqual(
    errors.filter((e) => !e.includes("WebSocket")),
    [],
  );
});

function store(gw: TestGateway): Promise<DeviceStore> {
  return DeviceStore.open(gw.stateDir, Date.now);
}

// WebChat in a real browser against a real gateway: connect, send, streamed reply, history across a
// page reload and a gateway restart; the page talks to its own origin only.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WebSocketServer } from "ws";
import { DeviceStore } from "@clawdbot/sidecar";
import { startGateway, type TestGateway } from "../support/gateway.js";
import { openPage, transcriptOf, waitForStatus, withoutRefusedSockets } from "./support/browser.js";
import { listen, pageSite, rawGet } from "./support/serve.js";
import { FakeOpenAI, manual } from "../fakes/openai/server.js";

const SCREENSHOT = "/tmp/webchat.png";

test("the gateway serves WebChat at / and /chat with its headers (waits for the wiring in server/http.ts)", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  for (const path of ["/", "/chat", "/webchat/app.js", "/webchat/app.css"]) {
    const res = await rawGet(gw.port, path);
    assert.equal(res.status, 200, `GET ${path} on the gateway port`);
    assert.match(res.headers["content-security-policy"] ?? "", /connect-src 'self'/);
    assert.equal(res.headers["x-content-type-options"], "nosniff");
  }
  assert.equal((await rawGet(gw.port, "/webchat/../package.json")).status, 404);
  assert.equal((await rawGet(gw.port, "/webchat/nope.js")).status, 404);
  assert.equal((await rawGet(gw.port, "/health")).status, 200);
});

test("the page connects, sends, shows the streamed echo reply, and keeps the conversation across reload and gateway restart", async (t) => {
  const bp = await openPage(t);
  if (!bp) return;
  const { page, errors } = bp;
  const stateDir = await mkdtemp(join(tmpdir(), "clawdbot-webchat-"));
  t.after(() => rm(stateDir, { recursive: true, force: true }));
  let gw: TestGateway = await startGateway({ stateDir });
  t.after(() => gw.stop());
  const site = await pageSite(gw.port);
  t.after(() => site.close());
  if (!site.viaGateway) t.diagnostic("the gateway does not serve WebChat yet: page served by a same-origin stand-in that pipes to the gateway");

  const chatFrames: { state: string }[] = [];
  page.on("websocket", (ws) =>
    ws.on("framereceived", (f) => {
      const frame = JSON.parse(String(f.payload)) as { event?: string; payload?: { state: string } };
      if (frame.event === "chat" && frame.payload) chatFrames.push(frame.payload);
    }),
  );

  await page.goto(`${site.origin}/chat`);
  await waitForStatus(page, "connected");
  assert.equal(await page.locator("#empty").isVisible(), true, "an empty conversation says so");

  await page.fill("#input", "hello from the browser 42");
  await page.click("#send");
  await page.locator('#messages [data-role="user"]', { hasText: "hello from the browser 42" }).waitFor();
  await page.locator('#messages [data-role="assistant"][data-state="final"]', { hasText: "hello from the browser 42" }).waitFor();
  assert.equal(await page.inputValue("#input"), "", "the input is cleared after sending");
  assert.ok(chatFrames.some((f) => f.state === "delta"), `the reply streamed in deltas: ${JSON.stringify(chatFrames)}`);
  assert.ok(chatFrames.some((f) => f.state === "final"));
  await page.locator("#abort").waitFor({ state: "hidden" });
  await page.screenshot({ path: SCREENSHOT });

  const before = await transcriptOf(page);
  assert.deepEqual(
    before.map((l) => l.split(":")[0]),
    ["user", "assistant"],
  );

  await page.reload();
  await waitForStatus(page, "connected");
  await page.locator('#messages [data-role="assistant"]', { hasText: "hello from the browser 42" }).waitFor();
  assert.deepEqual(await transcriptOf(page), before, "the reloaded page shows the same conversation from chat.history");

  const port = gw.port;
  await gw.stop();
  await waitForStatus(page, "disconnected");
  gw = await startGateway({ stateDir, flags: { port } });
  await waitForStatus(page, "connected", 30_000);
  await page.reload();
  await waitForStatus(page, "connected");
  await page.locator('#messages [data-role="assistant"]', { hasText: "hello from the browser 42" }).waitFor();
  assert.deepEqual(await transcriptOf(page), before, "the restarted gateway serves the same history");

  await page.fill("#input", "second message");
  await page.keyboard.press("Enter");
  await page.locator('#messages [data-role="assistant"][data-state="final"]', { hasText: "second message" }).waitFor();
  assert.equal((await transcriptOf(page)).length, 4);
  assert.deepEqual(withoutRefusedSockets(errors, site.port), []);
});

test("with the openai backend, the model's deltas appear in the page as they stream, then the final reply", async (t) => {
  const bp = await openPage(t);
  if (!bp) return;
  const { page, errors } = bp;
  const fake = await FakeOpenAI.start("sk-page");
  t.after(() => fake.stop());
  fake.behaviour = manual;
  const agent = { backend: "openai" as const, openai: { baseUrl: fake.baseUrl, model: "m", apiKeyEnv: "PAGE_KEY" } };
  const gw = await startGateway({ file: { agent }, env: { PAGE_KEY: "sk-page" } });
  t.after(() => gw.stop());
  const site = await pageSite(gw.port);
  t.after(() => site.close());
  await page.goto(`${site.origin}/`);
  await waitForStatus(page, "connected");
  await page.fill("#input", "what is 2+2?");
  await page.click("#send");
  const ex = await fake.exchangeFor("what is 2+2?");
  const reply = page.locator('#messages [data-role="assistant"]');
  ex.delta("It is ");
  await page.locator('#messages [data-role="assistant"][data-state="streaming"]', { hasText: "It is" }).waitFor();
  ex.delta("four");
  await page.locator('#messages [data-role="assistant"][data-state="streaming"]', { hasText: "It is four" }).waitFor();
  ex.delta(".");
  ex.done();
  await page.locator('#messages [data-role="assistant"][data-state="final"]', { hasText: "It is four." }).waitFor();
  assert.equal(await reply.count(), 1, "one reply, updated in place");
  assert.deepEqual(await transcriptOf(page), ["user: what is 2+2?", "assistant: It is four."]);
  assert.deepEqual(errors, []);
});

test("a page on a foreign origin cannot open a socket to the gateway (403 on upgrade, no connect.challenge)", async (t) => {
  const bp = await openPage(t);
  if (!bp) return;
  const { page } = bp;
  const gw = await startGateway();
  t.after(() => gw.stop());
  const foreign = await listen((_req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(`<!doctype html><title>evil</title><script>
      window.out = { events: [], messages: [] };
      const ws = new WebSocket("ws://127.0.0.1:${gw.port}/");
      ws.onopen = () => out.events.push("open");
      ws.onmessage = (e) => out.messages.push(String(e.data));
      ws.onerror = () => out.events.push("error");
      ws.onclose = (e) => { out.events.push("close " + e.code); document.title = "done"; };
    </script>`);
  });
  t.after(() => foreign.close());
  await page.goto(`${foreign.origin}/`);
  await page.waitForFunction("document.title === 'done'");
  const out = await page.evaluate("window.out");
  assert.deepEqual(out, { events: ["error", "close 1006"], messages: [] });
  const { client, res } = await import("../support/raw-client.js").then((m) => m.connectRaw(gw.url));
  assert.equal(res.ok, true, "the gateway itself is fine");
  client.close();
});

test("the page ignores a gateway URL or token in its query string and hash, and its CSP blocks other sockets", async (t) => {
  const bp = await openPage(t);
  if (!bp) return;
  const { page, errors } = bp;
  const gw = await startGateway();
  t.after(() => gw.stop());
  const site = await pageSite(gw.port);
  t.after(() => site.close());
  const evil = await listen((_req, res) => res.end());
  const evilHits: string[] = [];
  evil.server.on("request", (req: { url?: string }) => evilHits.push(`http ${req.url}`));
  const evilWss = new WebSocketServer({ server: evil.server });
  evilWss.on("connection", () => evilHits.push("ws"));
  t.after(() => evilWss.close());
  t.after(() => evil.close());

  const sockets: string[] = [];
  const sent: string[] = [];
  page.on("websocket", (ws) => {
    sockets.push(ws.url());
    ws.on("framesent", (f) => sent.push(String(f.payload)));
  });
  const bad = `ws://127.0.0.1:${evil.port}/`;
  await page.goto(`${site.origin}/?url=${encodeURIComponent(bad)}&gatewayUrl=${encodeURIComponent(bad)}&token=x&password=y#url=${bad}&token=z`);
  await waitForStatus(page, "connected");
  assert.deepEqual([...new Set(sockets)], [`ws://127.0.0.1:${site.port}/`]);
  const connect = sent.map((s) => JSON.parse(s) as { method?: string; params?: Record<string, unknown> }).find((f) => f.method === "connect");
  assert.ok(connect?.params, "the page sent a connect");
  assert.equal(connect.params["auth"], undefined, "a first visit sends no token at all, in particular not the query's");
  const client = connect.params["client"] as { id: string; mode: string; version: string };
  assert.deepEqual([client.id, client.mode, client.version], ["webchat-ui", "webchat", "0.1.0"]);

  // A script on the page (say, injected) cannot open a socket elsewhere: connect-src keeps it home.
  const violation = await page.evaluate(`new Promise((resolve) => {
    document.addEventListener("securitypolicyviolation", (e) => resolve(e.violatedDirective), { once: true });
    try { new WebSocket(${JSON.stringify(bad)}); } catch (err) { resolve("threw " + err.name); }
  })`);
  assert.match(String(violation), /connect-src|threw SecurityError/);
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(evilHits, [], "nothing ever reached the other server");
  assert.deepEqual(errors.filter((e) => !e.includes("Content Security Policy")), []);
});

test("a device the gateway does not auto-approve sees the pairing message, then connects once approved", async (t) => {
  const bp = await openPage(t);
  if (!bp) return;
  const { page } = bp;
  const gw = await startGateway({ file: { gateway: { pairing: { autoApproveLocal: false } } } });
  t.after(() => gw.stop());
  const site = await pageSite(gw.port);
  t.after(() => site.close());
  await page.goto(`${site.origin}/`);
  const waiting = page.getByRole("region", { name: "Waiting for approval" });
  await waiting.waitFor();
  const requestId = await page.locator("#request-id").innerText();
  assert.equal(await waiting.locator("pre.command code").innerText(), `clawdbot pair approve ${requestId}`, "the command is shown as code");
  assert.equal(await page.locator("#notice").isHidden(), true, "the panel says it all: no second notice");
  await page.screenshot({ path: "/tmp/webchat-pairing.png" });
  // Between refusals the page looks again (a short "connecting"); it never gets further.
  assert.match((await page.locator("#status").getAttribute("data-state")) ?? "", /^(disconnected|connecting)$/);
  assert.equal(await page.locator("#send").isDisabled(), true);

  const store = await DeviceStore.open(gw.stateDir, Date.now);
  const pending = store.listPending();
  assert.equal(pending.length, 1);
  await store.approve(pending[0]!.requestId);
  await waitForStatus(page, "connected", 20_000);
  assert.equal(await waiting.count(), 0, "the panel goes away once connected");
  const stored = await page.evaluate<string | null>("localStorage.getItem('clawdbot.webchat.deviceToken')");
  assert.match(stored ?? "", /"token":"[^"]+"/, "the device token from hello-ok is kept for next time");
});

test("the page keeps its device identity and sends its device token on the next visit", async (t) => {
  const bp = await openPage(t);
  if (!bp) return;
  const { page } = bp;
  const gw = await startGateway();
  t.after(() => gw.stop());
  const site = await pageSite(gw.port);
  t.after(() => site.close());
  const connects: { auth?: { token: string }; device: { id: string; publicKey: string } }[] = [];
  page.on("websocket", (ws) =>
    ws.on("framesent", (f) => {
      const frame = JSON.parse(String(f.payload)) as { method?: string; params?: (typeof connects)[number] };
      if (frame.method === "connect" && frame.params) connects.push(frame.params);
    }),
  );
  await page.goto(`${site.origin}/`);
  await waitForStatus(page, "connected");
  await page.reload();
  await waitForStatus(page, "connected");
  assert.equal(connects.length, 2);
  const [first, second] = connects as [(typeof connects)[number], (typeof connects)[number]];
  assert.equal(first.auth, undefined);
  assert.equal(second.device.id, first.device.id, "same identity after reload");
  assert.match(first.device.id, /^[0-9a-f]{64}$/);
  assert.match(first.device.publicKey, /^[A-Za-z0-9_-]{43}$/);
  const stored = JSON.parse((await page.evaluate<string | null>("localStorage.getItem('clawdbot.webchat.deviceToken')")) ?? "{}") as { token?: string };
  assert.equal(second.auth?.token, stored.token, "the stored device token is presented");
});

test("Stop aborts the running reply with chat.abort; the partial text stays, marked stopped", async (t) => {
  const bp = await openPage(t);
  if (!bp) return;
  const { page, errors } = bp;
  const slow = { backend: "command" as const, command: { argv: ["sh", "-c", "printf 'working on it'; exec sleep 30"] } };
  const gw = await startGateway({ file: { agent: slow } });
  t.after(() => gw.stop());
  const site = await pageSite(gw.port);
  t.after(() => site.close());
  const requests: string[] = [];
  page.on("websocket", (ws) =>
    ws.on("framesent", (f) => {
      const frame = JSON.parse(String(f.payload)) as { method?: string; params?: unknown };
      if (frame.method?.startsWith("chat.")) requests.push(`${frame.method} ${JSON.stringify(frame.params)}`);
    }),
  );
  await page.goto(`${site.origin}/`);
  await waitForStatus(page, "connected");
  assert.equal(await page.locator("#abort").isHidden(), true, "no Stop button without a running reply");
  await page.fill("#input", "take your time");
  await page.click("#send");
  await page.locator('#messages [data-role="assistant"][data-state="streaming"]', { hasText: "working on it" }).waitFor();
  await page.locator("#abort").waitFor({ state: "visible" });
  await page.screenshot({ path: "/tmp/webchat-streaming.png" });
  await page.click("#abort");
  const stopped = page.locator('#messages [data-role="assistant"][data-state="aborted"]', { hasText: "working on it" });
  await stopped.waitFor();
  assert.match(await stopped.innerText(), /stopped/);
  await page.locator("#abort").waitFor({ state: "hidden" });
  assert.deepEqual(
    requests.filter((r) => r.startsWith("chat.abort")),
    ['chat.abort {"sessionKey":"main"}'],
  );
  assert.match(requests.find((r) => r.startsWith("chat.send")) ?? "", /^chat\.send \{"sessionKey":"main","message":"take your time","idempotencyKey":"[0-9a-f-]{36}"\}$/);
  assert.deepEqual(errors, []);
});

test("the page follows prefers-color-scheme (dark)", async (t) => {
  const bp = await openPage(t, { colorScheme: "dark" });
  if (!bp) return;
  const { page } = bp;
  const gw = await startGateway();
  t.after(() => gw.stop());
  const site = await pageSite(gw.port);
  t.after(() => site.close());
  await page.goto(`${site.origin}/`);
  await waitForStatus(page, "connected");
  await page.fill("#input", "dark mode?");
  await page.click("#send");
  await page.locator('#messages [data-role="assistant"][data-state="final"]').waitFor();
  await page.screenshot({ path: "/tmp/webchat-dark.png" });
  const bg = await page.evaluate<string>("getComputedStyle(document.body).backgroundColor");
  const [r, g, b] = (bg.match(/\d+/g) ?? []).map(Number) as [number, number, number];
  assert.ok(r + g + b < 120, `dark background, got ${bg}`);
});

test("a reply in flight when the gateway restarts does not stay 'writing…' forever after reconnecting", async (t) => {
  const bp = await openPage(t);
  if (!bp) return;
  const { page, errors } = bp;
  const stateDir = await mkdtemp(join(tmpdir(), "clawdbot-webchat-"));
  t.after(() => rm(stateDir, { recursive: true, force: true }));
  const file = { agent: { backend: "command" as const, command: { argv: ["sh", "-c", "printf 'half a'; exec sleep 30"] } } };
  let gw: TestGateway = await startGateway({ stateDir, file });
  t.after(() => gw.stop());
  const site = await pageSite(gw.port);
  t.after(() => site.close());
  await page.goto(`${site.origin}/`);
  await waitForStatus(page, "connected");
  await page.fill("#input", "long question");
  await page.click("#send");
  await page.locator('#messages [data-role="assistant"][data-state="streaming"]').waitFor();
  const port = gw.port;
  await gw.stop();
  await waitForStatus(page, "disconnected");
  gw = await startGateway({ stateDir, file, flags: { port } });
  await waitForStatus(page, "connected", 30_000);
  await page.locator("#abort").waitFor({ state: "hidden" });
  assert.equal(await page.locator('#messages [data-state="streaming"], #messages [data-state="pending"]').count(), 0);
  assert.equal(await page.locator('#messages [data-role="user"]', { hasText: "long question" }).count(), 1);
  t.diagnostic(`after the restart: ${JSON.stringify(await page.locator("#messages").innerText())}`);
  assert.deepEqual(withoutRefusedSockets(errors, site.port), []);
});

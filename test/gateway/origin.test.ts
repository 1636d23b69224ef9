// Origin check on the WebSocket upgrade: a page from another site is refused with HTTP 403 before any frame.
import { test } from "node:test";
import assert from "node:assert/strict";
import WebSocket from "ws";
import { startGateway } from "../support/gateway.js";
import { RawClient, connectRaw } from "../support/raw-client.js";
import { assertHealthy, assertHello, assertRefused, connectVia } from "./refusal.js";

interface UpgradeOutcome {
  /** HTTP status of a refused upgrade, or 101 when the socket opened. */
  status: number;
  body: string;
  /** Messages received (a refused upgrade must have sent none). */
  messages: number;
}

/** Attempts an upgrade with `headers`; reports the HTTP status instead of throwing. */
function tryUpgrade(url: string, headers: Record<string, string>): Promise<UpgradeOutcome> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    let messages = 0;
    ws.on("message", () => messages++);
    ws.on("open", () => {
      ws.once("message", () => {
        ws.close();
        resolve({ status: 101, body: "", messages });
      });
    });
    ws.on("unexpected-response", (_req, res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, messages }));
    });
    ws.on("error", reject);
  });
}

test("an upgrade with Origin: https://evil.example is refused with HTTP 403 before any frame", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const out = await tryUpgrade(gw.url, { Origin: "https://evil.example" });
  assert.deepEqual(out, { status: 403, body: "origin not allowed\n", messages: 0 });
});

test("the harness client sees the cross-site refusal as a failed open (token-mode gateway, refused before any auth)", async (t) => {
  const gw = await startGateway({ flags: { token: "secret-token-123" } });
  t.after(() => gw.stop());
  await assert.rejects(RawClient.open(gw.url, { headers: { Origin: "https://evil.example" } }), /403/);
});

for (const origin of ["null", "http://localhost:1", "http://127.0.0.1:1", "file://", "chrome-extension://abcdef"]) {
  test(`an upgrade with Origin: ${origin} is refused with HTTP 403`, async (t) => {
    const gw = await startGateway();
    t.after(() => gw.stop());
    const out = await tryUpgrade(gw.url, { Origin: origin });
    assert.equal(out.status, 403);
    assert.equal(out.messages, 0);
  });
}

test("a same-origin upgrade (Origin: http://127.0.0.1:<port>) is allowed and can connect", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const { client, res } = await connectVia(gw.url, { headers: { Origin: `http://127.0.0.1:${gw.port}` } });
  t.after(() => client.close());
  assertHello(res);
  await assertHealthy(client);
});

test("an origin listed in gateway.allowedOrigins is allowed; others still are not", async (t) => {
  const gw = await startGateway({ file: { gateway: { allowedOrigins: ["https://control.example"] } } });
  t.after(() => gw.stop());
  assert.equal((await tryUpgrade(gw.url, { Origin: "https://control.example" })).status, 101);
  assert.equal((await tryUpgrade(gw.url, { Origin: "https://evil.example" })).status, 403);
});

test("a DNS-rebound page (Origin and Host both evil.example) gets through the origin check but is not local", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const host = `evil.example:${gw.port}`;
  const { client, res } = await connectVia(gw.url, { headers: { Origin: `http://${host}`, Host: host } });
  await assertRefused(client, res, { code: "NOT_PAIRED", close: "pairing required" });
});

test("a refused cross-site upgrade does not disturb a connected client", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const good = await connectRaw(gw.url);
  t.after(() => good.client.close());
  assertHello(good.res);
  assert.equal((await tryUpgrade(gw.url, { Origin: "https://evil.example" })).status, 403);
  await assertHealthy(good.client);
});

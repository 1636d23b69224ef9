// Origin check on the WebSocket upgrade: a page from another site is refused with HTTP 403 before any frame.
import { test } from "node:test";
import assert from "node:assert/strict";
import { startGateway } from "../support/gateway.js";
import { RawClient, connectRaw } from "../support/raw-client.js";
import { tryUpgrade } from "../support/upgrade.js";
import { assertHealthy, assertHello, connectVia } from "./refusal.js";

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

test("a DNS-rebound page (Origin and Host both evil.example) is refused with 403 before the handshake", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const host = `evil.example:${gw.port}`;
  const out = await tryUpgrade(gw.url, { Origin: `http://${host}`, Host: host });
  assert.equal(out.status, 403);
  assert.equal(out.messages, 0);
  assert.match(out.body, /host not allowed/);
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

// Overview in Chromium against a real gateway served over TLS with a Telegram channel on its fake:
// health, version, uptime, bind address and TLS fingerprint, connections by role, channel summary,
// pending approvals; a node connecting and a node pairing request show up without a reload.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { HelloOk } from "@clawdbot/protocol";
import { fakeFor, telegramConfig } from "../channels/harness.js";
import { startGateway } from "../support/gateway.js";
import { connectParams, RawClient } from "../support/raw-client.js";
import { openPage } from "../webchat/support/browser.js";
import { connected, DESKTOP, shoot } from "./support.js";

/** A signed connect over wss:// to the gateway's self-signed certificate. */
async function connectTls(port: number, o: Parameters<typeof connectParams>[0]) {
  const client = await RawClient.open(`wss://127.0.0.1:${port}/`, { rejectUnauthorized: false });
  const nonce = await client.challenge();
  const res = await client.request("connect", connectParams({ ...o, nonce }));
  assert.equal(res.ok, true, JSON.stringify(res));
  return { client, hello: res.payload as HelloOk };
}

test("Overview: health, version, uptime, bind and TLS fingerprint, connections by role, channels, pending approvals, live", async (t) => {
  const fake = await fakeFor(t);
  const gw = await startGateway({ file: telegramConfig(fake, { dmPolicy: "open" }), flags: { tls: true } });
  t.after(() => gw.stop());
  const fp = gw.gateway.tlsFingerprint;
  assert.ok(fp);
  const bp = await openPage(t, { viewport: DESKTOP, ignoreHTTPSErrors: true });
  if (!bp) return;
  const { page, errors } = bp;
  await page.goto(`https://127.0.0.1:${gw.port}/control/#/overview`);
  await connected(page);

  const op = await connectTls(gw.port, { scopes: ["operator.admin"] });
  t.after(() => op.client.close());
  const status = (await op.client.request("status")).payload as { version: string };
  await page.locator("#version").waitFor();
  assert.equal(await page.locator("#version").innerText(), status.version);
  assert.match(await page.locator("#uptime").innerText(), /^\d+ (s|min)/);
  const health = page.getByRole("region", { name: "Health" });
  await health.getByText("Healthy", { exact: true }).waitFor();
  const address = page.getByRole("region", { name: "Address" });
  assert.match(await address.innerText(), new RegExp(`127\\.0\\.0\\.1:${gw.port}`));
  assert.equal(await page.locator("#tls-fingerprint").innerText(), fp);
  const channels = page.getByRole("region", { name: "Channels" });
  await channels.getByText("connected", { exact: true }).waitFor({ timeout: 30_000 });
  assert.match(await channels.innerText(), /Telegram/);

  // Live: a node connects, and another asks to be paired, while the page stays open.
  await page.locator("#nodes").filter({ hasText: /^0$/ }).waitFor();
  await page.locator("#pending-nodes").filter({ hasText: /^0$/ }).waitFor();
  const node = await connectTls(gw.port, { role: "node", mode: "node" });
  t.after(() => node.client.close());
  await page.locator("#nodes").filter({ hasText: /^1$/ }).waitFor();
  await op.client.request("node.pair.request", { nodeId: "kitchen-pi", displayName: "Kitchen", platform: "linux" });
  await page.locator("#pending-nodes").filter({ hasText: /^1$/ }).waitFor();
  await page.getByRole("link", { name: "Review pairing requests" }).waitFor();
  assert.notEqual(Number(await page.locator("#operators").innerText()), 0);
  await shoot(page, "overview", () => page.locator("#version").waitFor());
  assert.deepEqual(errors, []);
});

// Devices: a paired device's token rotated from the page with narrower scopes (the new token is
// shown once and works), then revoked; every step asks first. Keyboard: the pages are reachable
// with Tab and Enter alone.
import { test } from "node:test";
import assert from "node:assert/strict";
import { DeviceStore } from "@clawdbot/sidecar";
import { GatewayClient, generateIdentity } from "@clawdbot/protocol/client";
import { startGateway } from "../support/gateway.js";
import { connected, go, openControl } from "./support.js";

test("Devices: rotate a paired device's token narrowing its scopes, then revoke it", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const identity = generateIdentity();
  const laptop = new GatewayClient({ url: gw.url, identity, client: { id: "cli", mode: "cli", displayName: "Laptop" }, scopes: ["operator.read", "operator.write"] });
  await laptop.connect();
  laptop.close();

  const bp = await openControl(t, gw.port, "#/devices");
  if (!bp) return;
  const { page, errors } = bp;
  await connected(page);
  const device = page.getByRole("article", { name: /^Laptop/ });
  await device.waitFor();
  await device.getByRole("button", { name: "Rotate operator token of Laptop" }).click();
  const dialog = page.getByRole("dialog", { name: "Rotate the operator token?" });
  await dialog.waitFor();
  assert.equal(await dialog.getByRole("checkbox", { name: "operator.read" }).isChecked(), true);
  assert.equal(await dialog.getByRole("checkbox", { name: "operator.admin" }).count(), 0, "rotation only narrows");
  await dialog.getByRole("checkbox", { name: "operator.write" }).uncheck();
  await dialog.getByRole("button", { name: "Rotate" }).click();
  const minted = page.getByRole("region", { name: "New token (shown once)" });
  await minted.waitFor();
  const token = (await minted.locator("#minted-token").innerText()).trim();
  assert.ok(token.length >= 20);

  const store = await DeviceStore.open(gw.stateDir, Date.now);
  const stored = () => store.listPaired().find((d) => d.deviceId === identity.deviceId)!;
  assert.deepEqual(stored().tokens["operator"]?.scopes, ["operator.read"]);
  const withNew = new GatewayClient({ url: gw.url, identity, deviceToken: token, client: { id: "cli", mode: "cli" }, scopes: ["operator.read"] });
  await withNew.connect();
  assert.equal((await withNew.call("health")).ok, true, "the shown token works");
  withNew.close();

  await device.getByRole("button", { name: "Revoke operator token of Laptop" }).click();
  await page.getByRole("dialog", { name: "Revoke the operator token?" }).getByRole("button", { name: "Revoke" }).click();
  await page.getByRole("status", { name: "Notes" }).getByText("Token revoked.").waitFor();
  await device.getByText(/^revoked/).waitFor();
  await store.reload();
  assert.ok(stored().tokens["operator"]?.revokedAtMs, "the gateway revoked it");
  assert.deepEqual(errors, []);
});

test("keyboard: Tab reaches the skip link and every page link; Enter opens a page", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const bp = await openControl(t, gw.port);
  if (!bp) return;
  const { page } = bp;
  await connected(page);
  await page.locator("#version").waitFor();
  const reached: string[] = [];
  for (let i = 0; i < 14; i++) {
    await page.keyboard.press("Tab");
    reached.push(await page.evaluate<string>("document.activeElement?.textContent?.trim() ?? ''"));
  }
  assert.equal(reached[0], "Skip to content");
  for (const name of ["Overview", "Devices", "Channels", "Nodes", "Logs", "Chat"]) assert.ok(reached.includes(name), `${name} reachable: ${JSON.stringify(reached)}`);
  await page.getByRole("link", { name: "Logs", exact: true }).focus();
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { level: 1, name: "Logs" }).waitFor();
  await go(page, "Overview");
});

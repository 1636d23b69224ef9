// A browser that asks for read-only access: once approved it sees every page without a single
// write action, and the gateway refuses write calls from that device anyway.
import { test } from "node:test";
import assert from "node:assert/strict";
import { DeviceStore } from "@clawdbot/sidecar";
import { GatewayClient, GatewayRequestError } from "@clawdbot/protocol/client";
import type { Page } from "playwright-core";
import { fakeFor, telegramConfig } from "../channels/harness.js";
import { startGateway } from "../support/gateway.js";
import { connected, go, openControl, pageDeviceToken, pageIdentity, shoot } from "./support.js";

const WRITE_ACTIONS = /^(Approve|Reject|Rotate|Revoke|Log out|Link|Rename|Canvas snapshot|Send|Stop|New QR code|Get pairing code)\b/;

/** Names of the buttons and button-like links in the page's main area. */
async function actions(page: Page): Promise<string[]> {
  const main = page.getByRole("main");
  const names = [...(await main.getByRole("button").all()), ...(await main.getByRole("link").all())].map((l) => l.innerText());
  return (await Promise.all(names)).map((n) => n.trim());
}

test("read-only: no write action on any page, and the gateway refuses the device's write calls", async (t) => {
  const fake = await fakeFor(t);
  // Nothing is approved without the owner, so asking for more later is a new request, not a grant.
  const gw = await startGateway({ file: { ...telegramConfig(fake, { dmPolicy: "open" }), gateway: { pairing: { autoApproveLocal: false } } } });
  t.after(() => gw.stop());
  const store = await DeviceStore.open(gw.stateDir, Date.now);
  const approveWaiting = async (p: Page) => {
    await p.getByRole("region", { name: "Waiting for approval", exact: true }).waitFor();
    await store.approve((await p.locator("#request-id").innerText()).trim());
    await connected(p);
  };

  // An admin page, to prove the same pages do offer write actions.
  const admin = await openControl(t, gw.port, "#/channels");
  if (!admin) return;
  await approveWaiting(admin.page);
  await admin.page.getByRole("article", { name: /^Telegram/ }).getByText("connected", { exact: true }).waitFor();
  assert.ok((await actions(admin.page)).some((n) => n === "Log out Telegram"), "an admin sees Log out");

  const bp = await openControl(t, gw.port, "#/overview");
  if (!bp) return;
  const { page, errors } = bp;
  await page.getByRole("region", { name: "Waiting for approval", exact: true }).waitFor();
  await page.getByText("This browser: full control").click();
  // Choosing starts over with the new scopes: the page reloads.
  await Promise.all([page.waitForEvent("load"), page.getByRole("radio", { name: "Read only" }).click()]);
  await approveWaiting(page);
  assert.equal(await page.getByText("This browser: read only").count(), 1);
  await page.locator("#read-only").waitFor();

  for (const name of ["Overview", "Devices", "Channels", "Nodes", "Logs", "Chat"]) {
    await go(page, name);
    if (name === "Channels") await page.getByRole("article", { name: /^Telegram/ }).waitFor();
    if (name === "Overview") await page.locator("#version").waitFor();
    const offered = (await actions(page)).filter((n) => WRITE_ACTIONS.test(n));
    assert.deepEqual(offered, [], `${name} offers no write action to a read-only connection`);
  }
  await go(page, "Config");
  await page.locator("#config-needs-admin").waitFor();
  assert.deepEqual((await actions(page)).filter((n) => /^(Save|Discard|Reload|Form|JSON5)\b/.test(n)), [], "Config offers nothing to a read-only connection");
  await go(page, "Devices");
  await page.getByText("Devices need the operator.pairing scope").waitFor();
  await shoot(page, "read-only");

  // The same device from outside the browser: its key and token, as the page keeps them.
  const identity = await pageIdentity(page);
  const token = await pageDeviceToken(page);
  assert.deepEqual(token?.scopes, ["operator.read"]);
  assert.deepEqual(store.listPaired().find((d) => d.deviceId === identity.deviceId)?.scopes, ["operator.read"]);
  const asDevice = (scopes: string[]) =>
    new GatewayClient({ url: gw.url, identity, deviceToken: token!.token, client: { id: "clawdbot-control-ui", mode: "ui" }, scopes });
  const ro = asDevice(["operator.read"]);
  await ro.connect();
  t.after(() => ro.close());
  assert.equal((await ro.call("health")).ok, true, "reading works");
  for (const [method, params] of [
    ["device.pair.list", {}],
    ["channels.logout", { channel: "telegram" }],
    ["chat.send", { sessionKey: "main", message: "hi", idempotencyKey: "ro-1" }],
    ["node.rename", { nodeId: "n", displayName: "x" }],
    ["web.login.start", {}],
    ["logs.tail", {}],
    ["config.get", {}],
    ["config.patch", { raw: '{"logging":{"level":"debug"}}', baseHash: "" }],
  ] as const) {
    const err = await ro.request(method, params).then(
      () => assert.fail(`${method} was allowed`),
      (e: unknown) => e,
    );
    assert.ok(err instanceof GatewayRequestError, String(err));
    assert.equal(err.code, "FORBIDDEN", `${method}: ${err.message}`);
  }
  // Asking for admin with the read-only token gets a read-only session and widens nothing.
  const more = asDevice(["operator.admin"]);
  await more.connect();
  t.after(() => more.close());
  const refused = await more.request("channels.logout", { channel: "telegram" }).then(
    () => assert.fail("a read-only token was granted admin"),
    (e: unknown) => e,
  );
  assert.ok(refused instanceof GatewayRequestError && refused.code === "FORBIDDEN", String(refused));
  await store.reload();
  assert.deepEqual(store.listPaired().find((d) => d.deviceId === identity.deviceId)?.scopes, ["operator.read"], "the approval stays read-only");
  assert.deepEqual(errors, []);
});

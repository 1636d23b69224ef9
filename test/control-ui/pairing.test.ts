// The Control UI and device pairing, in Chromium against a real gateway: a page on the gateway host
// is approved silently; a page the gateway will not auto-approve shows the request and the exact
// host command and goes on by itself once approved; from the Devices page an operator approves a
// waiting device (it gets in) or rejects one (it stays out with `pairing required`).
import { test } from "node:test";
import assert from "node:assert/strict";
import { DeviceStore } from "@clawdbot/sidecar";
import { GatewayClient, GatewayConnectError, generateIdentity } from "@clawdbot/protocol/client";
import { startGateway } from "../support/gateway.js";
import { eventually } from "../support/wait.js";
import { connected, go, openControl, shoot } from "./support.js";

test("a page on the gateway host is approved silently and connects as its own device", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const bp = await openControl(t, gw.port);
  if (!bp) return;
  const { page, errors } = bp;
  await connected(page);
  assert.equal(await page.getByRole("heading", { name: "Waiting for approval", exact: true }).count(), 0);
  await page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
  const store = await DeviceStore.open(gw.stateDir, Date.now);
  const mine = store.listPaired().find((d) => d.clientId === "clawdbot-control-ui");
  assert.ok(mine, "the page paired itself as clawdbot-control-ui");
  assert.deepEqual(mine.scopes, ["operator.admin"]);
  assert.equal(store.listPending().length, 0);
  assert.deepEqual(errors, []);
});

test("a page that must be approved waits with the request id and `clawdbot pair approve <id>`, then goes on by itself", async (t) => {
  const gw = await startGateway({ file: { gateway: { pairing: { autoApproveLocal: false } } } });
  t.after(() => gw.stop());
  const bp = await openControl(t, gw.port, "#/devices");
  if (!bp) return;
  const { page } = bp;
  const waiting = page.getByRole("region", { name: "Waiting for approval", exact: true });
  await waiting.waitFor();
  const requestId = (await page.locator("#request-id").innerText()).trim();
  assert.match(requestId, /^[0-9a-f-]{8,}$/);
  assert.equal((await waiting.locator("pre.command").innerText()).trim(), `clawdbot pair approve ${requestId}`);
  assert.equal(await page.locator("#status").innerText(), "Waiting for approval");
  await shoot(page, "waiting-for-approval");

  const store = await DeviceStore.open(gw.stateDir, Date.now);
  assert.deepEqual(store.listPending().map((r) => r.requestId), [requestId]);
  await store.approve(requestId);
  await connected(page);
  await page.getByRole("heading", { level: 1, name: "Devices" }).waitFor();
  assert.equal(await waiting.count(), 0, "the waiting panel is gone");
});

test("Devices: approving a waiting device lets it in; rejecting one leaves it with `pairing required`", async (t) => {
  const gw = await startGateway({ file: { gateway: { pairing: { autoApproveLocal: false } } } });
  t.after(() => gw.stop());
  const store = await DeviceStore.open(gw.stateDir, Date.now);

  // The operator's page, approved on the host.
  const admin = await openControl(t, gw.port);
  if (!admin) return;
  const { page, errors } = admin;
  await page.getByRole("region", { name: "Waiting for approval", exact: true }).waitFor();
  await store.approve((await page.locator("#request-id").innerText()).trim());
  await connected(page);

  // A second browser: a new device that waits.
  const other = await openControl(t, gw.port);
  if (!other) return;
  await other.page.getByRole("region", { name: "Waiting for approval", exact: true }).waitFor();
  const otherRequest = (await other.page.locator("#request-id").innerText()).trim();

  await go(page, "Devices");
  const request = page.getByRole("article").filter({ hasText: otherRequest });
  await request.waitFor();
  assert.match(await request.innerText(), /clawdbot-control-ui \(ui\)/);
  assert.match(await request.innerText(), /127\.0\.0\.1/);
  assert.match(await request.innerText(), /operator\.admin/);
  await shoot(page, "devices", () => request.waitFor());
  await request.getByRole("button", { name: "Approve" }).click();
  const dialog = page.getByRole("dialog", { name: "Approve this device?" });
  await dialog.waitFor();
  assert.match(await dialog.innerText(), /operator\.admin/, "the confirmation repeats the scopes");
  await dialog.getByRole("button", { name: "Approve" }).click();
  await connected(other.page);
  await page.getByRole("status", { name: "Notes" }).getByText("Device approved.").waitFor();
  await eventually("the approved device is listed as paired", () => page.getByRole("region", { name: /Paired devices \(2\)/ }).count().then((n) => n === 1), 15_000);

  // A device outside any browser, whose name is attacker-controlled text.
  const evil = `<img src=x onerror="document.title='pwned'">`;
  const waitingClient = new GatewayClient({ url: gw.url, identity: generateIdentity(), client: { id: "cli", mode: "cli", displayName: evil }, scopes: ["operator.read"] });
  const first = await waitingClient.connect().then(
    () => assert.fail("an unapproved device got in"),
    (e: unknown) => e,
  );
  assert.ok(first instanceof GatewayConnectError && first.failure === "pairing-required", String(first));
  const pending = page.getByRole("article").filter({ hasText: "Unnamed device" }).or(page.getByRole("article", { name: new RegExp(evil.slice(0, 12)) }));
  await pending.first().waitFor({ timeout: 15_000 });
  assert.equal(await page.locator("#main img[onerror]").count(), 0, "the device name is text, not markup");
  assert.notEqual(await page.title(), "pwned");
  await pending.first().getByRole("button", { name: "Reject" }).click();
  const confirm = page.getByRole("dialog", { name: "Reject this device?" });
  await confirm.getByRole("button", { name: "Reject" }).click();
  await page.getByText("Request rejected.").waitFor();
  assert.equal(store.listPending().length, 0);
  await store.reload();
  assert.equal(store.listPending().length, 0, "the rejected request is gone");
  const again = await waitingClient.connect().then(
    () => assert.fail("a rejected device got in"),
    (e: unknown) => e,
  );
  assert.ok(again instanceof GatewayConnectError, String(again));
  assert.equal(again.failure, "pairing-required");
  assert.equal(again.closeReason, "pairing required");
  assert.equal(again.error?.code, "NOT_PAIRED");
  waitingClient.close();
  assert.deepEqual(errors, []);
});

// Linking again after WhatsApp logged the device out (401) or after `channels logout`: once the
// new link opens, the account reports linked, connected, configured and no error, and answers; a
// login that never links leaves a logged-out account logged out.
import { test } from "node:test";
import assert from "node:assert/strict";
import { call, eventually } from "./harness.js";
import { startWhatsAppGateway, whatsappAccount } from "./whatsapp-harness.js";
import type { RunningWhatsApp } from "./whatsapp-harness.js";

async function relink({ fake, admin }: RunningWhatsApp): Promise<void> {
  const start = await call<{ qr?: string; message: string }>(admin, "web.login.start", { timeoutMs: 5000 });
  assert.ok(start.qr, start.message);
  const waiting = call<{ connected: boolean; message: string }>(admin, "web.login.wait", { timeoutMs: 10_000 });
  fake.scan();
  const done = await waiting;
  assert.equal(done.connected, true, done.message);
}

/** Linked, connected, configured, no error, and answering. */
async function assertRelinked({ fake, admin }: RunningWhatsApp): Promise<void> {
  const a = await whatsappAccount(admin);
  assert.equal(a.linked, true);
  assert.equal(a.connected, true);
  assert.equal(a.configured, true);
  assert.equal(a.lastError, null);
  fake.push({ from: "15553330001", text: "back" });
  await fake.waitForSent("reply after re-linking", (s) => (s.content as { text?: string }).text === "echo: back");
}

test("after a 401 logout, a new link clears the re-link state", async (t) => {
  const gw = await startWhatsAppGateway(t, { reconnect: { initialMs: 10, maxMs: 50 } });
  gw.fake.current.close(401, "Connection Failure");
  await eventually("re-link needed", async () => /re-link needed/.test(String((await whatsappAccount(gw.admin)).lastError)));
  await relink(gw);
  await assertRelinked(gw);
});

test("after channels.logout, a new link makes the account configured and connected again", async (t) => {
  const gw = await startWhatsAppGateway(t);
  await call(gw.admin, "channels.logout", { channel: "whatsapp" });
  assert.equal((await whatsappAccount(gw.admin)).configured, false);
  await relink(gw);
  await assertRelinked(gw);
});

test("after channels.logout, a login that is never scanned leaves the account logged out", async (t) => {
  const gw = await startWhatsAppGateway(t);
  await call(gw.admin, "channels.logout", { channel: "whatsapp" });
  const start = await call<{ qr?: string }>(gw.admin, "web.login.start", { timeoutMs: 5000 });
  assert.ok(start.qr);
  gw.fake.current.close(408, "QR refs attempts ended");
  const done = await call<{ connected: boolean; message: string }>(gw.admin, "web.login.wait", { timeoutMs: 5000 });
  assert.equal(done.connected, false);
  const a = await whatsappAccount(gw.admin);
  assert.equal(a.linked, false);
  assert.equal(a.configured, false, "still logged out");
  await relink(gw);
  assert.equal((await whatsappAccount(gw.admin)).configured, true);
});

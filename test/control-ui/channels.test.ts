// The Channels page against the channel fakes: why a Telegram channel dropped a message, a sender
// waiting with a pairing code, and linking WhatsApp from the route the macOS companion opens (the
// QR image follows each rotation, then the page says linked), then logging out with confirmation;
// linking with a phone number shows the pairing code instead.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { fakeFor, replyIn, startTelegramGateway } from "../channels/harness.js";
import { startWhatsAppGateway, whatsappAccount } from "../channels/whatsapp-harness.js";
import { eventually } from "../support/wait.js";
import { connected, openControl, shoot } from "./support.js";

test("Telegram: an unmentioned group message shows as a drop reason; a stranger's pairing code is approved from the page", async (t) => {
  const fake = await fakeFor(t);
  const { gw } = await startTelegramGateway(t, fake, { dmPolicy: "pairing", groups: { requireMention: true } });
  const bp = await openControl(t, gw.port, "#/channels");
  if (!bp) return;
  const { page, errors } = bp;
  await connected(page);
  const account = page.getByRole("article", { name: /^Telegram/ });
  await account.getByText("connected", { exact: true }).waitFor();

  fake.pushMessage({ from: 40, group: { id: -500, title: "friends" }, text: "chatter without a mention" });
  const drops = page.getByRole("list", { name: "Dropped messages of Telegram" });
  await drops.getByText("1 in groups without a mention").waitFor({ timeout: 20_000 });

  fake.pushMessage({ from: { id: 41, first_name: "Stranger" }, text: "hello bot" });
  const codeMsg = await replyIn(fake, 41, /[A-Z0-9]{6,}/);
  const code = String(codeMsg.params["text"]).match(/\b[A-Z0-9]{6,}\b/)?.[0];
  assert.ok(code, String(codeMsg.params["text"]));
  const waiting = page.getByRole("region", { name: /Senders waiting for approval \(1\)/ });
  await waiting.getByText(code).waitFor({ timeout: 20_000 });
  await shoot(page, "channels", () => drops.waitFor());
  await waiting.getByRole("button", { name: "Approve" }).click();
  await page.getByText("Sender approved.").waitFor();
  await page.getByRole("region", { name: /Senders waiting for approval \(0\)/ }).waitFor();
  fake.pushMessage({ from: 41, text: "now let me in" });
  await replyIn(fake, 41, "echo: now let me in");
  assert.deepEqual(errors, []);
});

/** An unlinked WhatsApp on the fake, and a page on the link route the macOS companion opens, showing its first QR code. */
async function openWhatsAppLink(t: TestContext) {
  const { gw, fake, admin } = await startWhatsAppGateway(t, {}, { linked: false });
  const bp = await openControl(t, gw.port, "#/channels/whatsapp/link");
  if (!bp) return undefined;
  await connected(bp.page);
  const qr = bp.page.getByRole("img", { name: "WhatsApp QR code" });
  await qr.waitFor({ timeout: 20_000 });
  return { ...bp, fake, admin, qr };
}

test("WhatsApp: #/channels/whatsapp/link shows the QR code, follows each rotation, says linked; logout asks first", async (t) => {
  const link = await openWhatsAppLink(t);
  if (!link) return;
  const { page, errors, fake, admin, qr } = link;
  const first = await qr.getAttribute("src");
  assert.match(first ?? "", /^data:image\/png;base64,/);
  await shoot(page, "whatsapp-link", () => qr.waitFor());

  fake.rotateQr();
  await eventually("the QR image changed", async () => ((await qr.getAttribute("src")) ?? first) !== first, 20_000);
  const second = await qr.getAttribute("src");
  fake.rotateQr();
  await eventually("the QR image changed again", async () => ((await qr.getAttribute("src")) ?? second) !== second, 20_000);

  fake.scan();
  await page.locator("#link-state", { hasText: "Linked" }).waitFor({ timeout: 20_000 });
  assert.match(await page.locator("#link-message").innerText(), /linked as \+15550001111/);
  assert.equal(await qr.count(), 0, "no QR code once linked");
  await eventually("WhatsApp connected", async () => (await whatsappAccount(admin)).connected, 20_000);

  await page.getByRole("link", { name: "Back to channels" }).click();
  const account = page.getByRole("article", { name: /^WhatsApp/ });
  await account.getByText("connected", { exact: true }).waitFor();
  await account.getByRole("button", { name: "Log out WhatsApp" }).click();
  const dialog = page.getByRole("dialog", { name: "Log out WhatsApp?" });
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await dialog.waitFor({ state: "detached" });
  assert.deepEqual(fake.logouts, [], "cancel does nothing");
  await account.getByRole("button", { name: "Log out WhatsApp" }).click();
  await dialog.getByRole("button", { name: "Log out" }).click();
  await page.getByText("WhatsApp logged out.").waitFor();
  await eventually("the phone saw the logout", () => fake.logouts.length === 1, 20_000);
  await eventually("not linked any more", async () => (await whatsappAccount(admin)).linked === false, 20_000);
  assert.deepEqual(errors, []);
});

test("WhatsApp: linking with a phone number shows WhatsApp's pairing code instead of the QR code, then linked", async (t) => {
  const link = await openWhatsAppLink(t);
  if (!link) return;
  const { page, errors, fake, admin, qr } = link;

  await page.getByLabel("Phone number (link with a code instead)").fill("+15550001111");
  await page.getByRole("button", { name: "Get pairing code" }).click();
  await page.locator("#pairing-code", { hasText: "K7PX3QRA" }).waitFor({ timeout: 20_000 });
  assert.deepEqual(fake.pairingRequests, ["15550001111"], "the code was asked for that number (digits only)");
  assert.equal(await qr.count(), 0, "the pairing code replaces the QR code");
  assert.match(await page.locator("#link-state").innerText(), /Waiting for the phone/);
  await shoot(page, "whatsapp-pairing-code", () => page.locator("#pairing-code").waitFor());

  fake.scan();
  await page.locator("#link-state", { hasText: "Linked" }).waitFor({ timeout: 20_000 });
  assert.match(await page.locator("#link-message").innerText(), /linked as \+15550001111/);
  assert.equal(await page.locator("#pairing-code").count(), 0, "no code once linked");
  await eventually("WhatsApp connected", async () => (await whatsappAccount(admin)).connected, 20_000);
  assert.deepEqual(errors, []);
});

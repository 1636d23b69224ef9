// The life of a WhatsApp connection on the fake socket: linking by QR (rotations as events) and
// by pairing code, 515 restart after linking, 401 wipe, 440 stop, backoff on other closes, the
// watchdog for silent sockets, 50 reconnects without duplicate replies or growing listeners,
// presence only when configured, logout unlinking on the phone's side, a forced re-link, the
// configured WhatsApp Web version reaching the socket, and the probe of channels.status.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { call, eventually } from "./harness.js";
import { jidOf, startWhatsAppGateway, whatsappAccount } from "./whatsapp-harness.js";
import type { RawClient } from "../support/raw-client.js";
import { WHATSAPP_WEB_VERSION } from "../../sidecar/src/channels/whatsapp/config.js";

function eventsOf(c: RawClient, name: string): unknown[] {
  return c.frames.filter((f) => f.type === "event" && f.event === name).map((f) => f.payload);
}

test("QR login: web.login.start answers the first code, each rotation is a web.login.qr event, scanning links (515, then open)", async (t) => {
  const { fake, admin, stateDir } = await startWhatsAppGateway(t, {}, { linked: false });
  const before = await whatsappAccount(admin);
  assert.equal(before.linked, false);
  assert.match(String(before.lastError), /not linked: run `clawdbot channels login whatsapp`/);
  const start = await call<{ qr?: string; qrDataUrl?: string; expiresAt?: number; message: string }>(admin, "web.login.start", { timeoutMs: 5000 });
  assert.match(String(start.qr), /^2@fake-ref-1,/);
  assert.match(String(start.qrDataUrl), /^data:image\/png;base64,/);
  assert.match(start.message, /Linked devices → Link a device/);
  const rotated = fake.rotateQr();
  await eventually("a web.login.qr event", () => eventsOf(admin, "web.login.qr").length === 1);
  const ev = eventsOf(admin, "web.login.qr")[0] as { qr: string; qrDataUrl: string; channel: string; accountId: string; expiresAt: number };
  assert.equal(ev.qr, rotated);
  assert.equal(ev.channel, "whatsapp");
  assert.equal(ev.accountId, "default");
  assert.ok(ev.expiresAt > Date.now());
  const waiting = call<{ connected: boolean; message: string }>(admin, "web.login.wait", { timeoutMs: 10_000 });
  fake.scan();
  const done = await waiting;
  assert.equal(done.connected, true, done.message);
  assert.match(done.message, /linked as \+15550001111/);
  assert.equal(fake.sockets.length, 2, "one reconnect after the 515");
  assert.ok(fake.sockets[1]!.creds.me, "the reconnect used the saved credentials");
  const dir = join(stateDir, "credentials", "whatsapp", "default");
  assert.equal((await stat(dir)).mode & 0o777, 0o700);
  for (const f of await readdir(dir)) assert.equal((await stat(join(dir, f))).mode & 0o777, 0o600, f);
  const saved = JSON.parse(await readFile(join(dir, "creds.json"), "utf8")) as { me?: { id: string } };
  assert.equal(saved.me?.id, `${fake.self.pn}:12@s.whatsapp.net`, "the link's credentials are on disk once linked is reported");
  const a = await whatsappAccount(admin);
  assert.equal(a.linked, true);
  assert.equal(a.connected, true);
  fake.push({ from: "15553330001", text: "first after linking" });
  await fake.waitForSent("reply after linking", (s) => (s.content as { text?: string }).text === "echo: first after linking");
  const again = await call<{ message: string; qr?: string }>(admin, "web.login.start", {});
  assert.equal(again.qr, undefined);
  assert.match(again.message, /already linked as \+15550001111/);
});

test("pairing-code login: web.login.start with phone answers a code to type; the link completes the same way", async (t) => {
  const { fake, admin } = await startWhatsAppGateway(t, {}, { linked: false });
  const start = await call<{ pairingCode?: string; qr?: string; message: string }>(admin, "web.login.start", { phone: "+15550001111" });
  assert.equal(start.pairingCode, "K7PX3QRA");
  assert.equal(start.qr, undefined);
  assert.deepEqual(fake.pairingRequests, ["15550001111"]);
  fake.rotateQr();
  fake.scan();
  const done = await call<{ connected: boolean }>(admin, "web.login.wait", { timeoutMs: 10_000 });
  assert.equal(done.connected, true);
});

test("a QR never scanned: WhatsApp closes with 408 and web.login.wait says the code expired; no reconnect loop", async (t) => {
  const { fake, admin } = await startWhatsAppGateway(t, {}, { linked: false });
  await call(admin, "web.login.start", {});
  fake.current.close(408, "QR refs attempts ended");
  const done = await call<{ connected: boolean; message: string }>(admin, "web.login.wait", { timeoutMs: 5000 });
  assert.equal(done.connected, false);
  assert.match(done.message, /QR code expired/);
  await sleep(300);
  assert.equal(fake.sockets.length, 1);
});

test("401 logged out: credentials removed, status says re-link needed, no retry", async (t) => {
  const { fake, admin, stateDir } = await startWhatsAppGateway(t, { reconnect: { initialMs: 10, maxMs: 50 } });
  fake.current.close(401, "Connection Failure");
  await eventually("re-link needed", async () => /re-link needed/.test(String((await whatsappAccount(admin)).lastError)));
  const a = await whatsappAccount(admin);
  assert.equal(a.linked, false);
  assert.equal(a.connected, false);
  assert.equal(existsSync(join(stateDir, "credentials", "whatsapp", "default", "creds.json")), false);
  await sleep(300);
  assert.equal(fake.sockets.length, 1, "reconnected after a logout");
});

test("440 replaced by another session: stops and says so", async (t) => {
  const { fake, admin } = await startWhatsAppGateway(t, { reconnect: { initialMs: 10, maxMs: 50 } });
  fake.current.close(440, "Stream Errored (conflict)");
  await eventually("replaced", async () => /replaced by another WhatsApp Web session/.test(String((await whatsappAccount(admin)).lastError)));
  await sleep(300);
  assert.equal(fake.sockets.length, 1);
  assert.equal((await whatsappAccount(admin)).linked, true, "credentials are kept");
});

test("other closes reconnect with backoff; 50 reconnects leave no duplicate replies and listener counts flat", async (t) => {
  const { fake, admin } = await startWhatsAppGateway(t, { reconnect: { initialMs: 5, maxMs: 20 } });
  const first = fake.current;
  const listeners = () => [first.processHandlers, first.ws.listenerCount("message")];
  const baseline = listeners();
  assert.ok(baseline[0]! >= 1 && baseline[1]! >= 1, `the adapter listens: ${String(baseline)}`);
  for (let i = 1; i <= 50; i++) {
    fake.current.close(428, "Connection Closed");
    const sock = await fake.waitForSockets(i + 1);
    await eventually(`reconnect ${i} open`, async () => (await whatsappAccount(admin)).connected);
    fake.push({ from: "15553330002", text: `ping ${i}` }, sock);
    await fake.waitForSent(`reply ${i}`, (s) => (s.content as { text?: string }).text === `echo: ping ${i}`);
  }
  const texts = fake.textsTo(jidOf("15553330002"));
  assert.equal(texts.length, 50);
  assert.equal(new Set(texts).size, 50, "a reply was sent twice");
  for (const old of fake.sockets.slice(0, -1)) {
    assert.equal(old.processHandlers, 0, `socket ${old.index} still has event listeners`);
    assert.equal(old.ws.listenerCount("message"), 0, `socket ${old.index} still has frame listeners`);
  }
  const now = fake.current;
  assert.deepEqual([now.processHandlers, now.ws.listenerCount("message")], baseline);
});

test("watchdog: a socket that is open but silent past watchdogMs is replaced", async (t) => {
  const { fake, admin } = await startWhatsAppGateway(t, { watchdogMs: 400, reconnect: { initialMs: 5, maxMs: 20 } });
  const silent = fake.current;
  await fake.waitForSockets(2, 10_000);
  assert.equal(silent.ended, true, "the silent socket was ended");
  await eventually("reconnected", async () => (await whatsappAccount(admin)).connected);
  const sock = fake.current;
  fake.push({ from: "15553330003", text: "awake?" }, sock);
  await fake.waitForSent("reply after watchdog", (s) => (s.content as { text?: string }).text === "echo: awake?");
});

test("presence 'available' is sent only when sendPresence is on", async (t) => {
  const off = await startWhatsAppGateway(t);
  await sleep(50);
  assert.equal(off.fake.presence.filter((p) => p.type === "available").length, 0);
  const on = await startWhatsAppGateway(t, { sendPresence: true });
  await eventually("available", () => on.fake.presence.some((p) => p.type === "available"));
});

test("channels.logout whatsapp unlinks on the phone's side and removes the credentials folder", async (t) => {
  const { fake, admin, stateDir } = await startWhatsAppGateway(t);
  const res = await call<{ cleared: boolean }>(admin, "channels.logout", { channel: "whatsapp" });
  assert.equal(res.cleared, true);
  assert.equal(fake.logouts.length, 1);
  assert.equal(existsSync(join(stateDir, "credentials", "whatsapp", "default")), false);
  const a = await whatsappAccount(admin);
  assert.equal(a.linked, false);
  assert.equal(a.configured, false);
});

test("web.login.start with force on a linked account: the old link is dropped, a new QR code is answered and scanning links again", async (t) => {
  const { fake, admin, stateDir } = await startWhatsAppGateway(t);
  const creds = join(stateDir, "credentials", "whatsapp", "default", "creds.json");
  const oldNoise = JSON.parse(await readFile(creds, "utf8")).noiseKey;
  const refused = await call<{ qr?: string; message: string }>(admin, "web.login.start", {});
  assert.equal(refused.qr, undefined);
  assert.match(refused.message, /already linked .*pass force/);
  const start = await call<{ qr?: string; message: string }>(admin, "web.login.start", { force: true, timeoutMs: 5000 });
  assert.match(String(start.qr), /^2@fake-ref-/, start.message);
  assert.equal(fake.sockets[0]!.ended, true, "the linked socket was closed");
  const during = await whatsappAccount(admin);
  assert.equal(during.linked, false);
  assert.equal(during.connected, false);
  assert.equal(fake.current.creds.me, undefined, "the login runs on fresh credentials");
  const waiting = call<{ connected: boolean; message: string }>(admin, "web.login.wait", { timeoutMs: 10_000 });
  fake.scan();
  assert.equal((await waiting).connected, true);
  assert.notDeepEqual(JSON.parse(await readFile(creds, "utf8")).noiseKey, oldNoise, "new credentials were saved");
  assert.equal((await whatsappAccount(admin)).connected, true);
  fake.push({ from: "15553330009", text: "relinked" });
  await fake.waitForSent("reply after the forced link", (s) => (s.content as { text?: string }).text === "echo: relinked");
});

test("channels.whatsapp.webVersion reaches the socket's config; without it the pinned version does", async (t) => {
  const pinned = await startWhatsAppGateway(t);
  assert.deepEqual(pinned.fake.current.config.version, [...WHATSAPP_WEB_VERSION]);
  const custom = await startWhatsAppGateway(t, { webVersion: [2, 3000, 1023456789] });
  assert.deepEqual(custom.fake.current.config.version, [2, 3000, 1023456789]);
  custom.fake.current.close(428, "Connection Closed");
  const next = await custom.fake.waitForSockets(2);
  assert.deepEqual(next.config.version, [2, 3000, 1023456789], "reconnects keep the override");
});

test("channels.status probe: a connected account answers ok with its number and last sign of life; a stopped one says why", async (t) => {
  const { fake, admin } = await startWhatsAppGateway(t);
  type Probe = { ok: boolean; linked?: boolean; self?: string; silentForMs?: number | null; error?: string; elapsedMs: number };
  const probed = async () => {
    const st = await call<{ channelAccounts: Record<string, { probe?: Probe; lastProbeAt?: number }[]> }>(admin, "channels.status", { probe: true, timeoutMs: 2000 });
    const a = st.channelAccounts["whatsapp"]![0]!;
    assert.equal(typeof a.lastProbeAt, "number");
    return a.probe!;
  };
  const unprobed = await call<{ channelAccounts: Record<string, { probe?: Probe }[]> }>(admin, "channels.status", {});
  assert.equal(unprobed.channelAccounts["whatsapp"]![0]!.probe, undefined, "no probe unless asked");
  const ok = await probed();
  assert.equal(ok.ok, true, JSON.stringify(ok));
  assert.equal(ok.linked, true);
  assert.equal(ok.self, "+15550001111");
  assert.equal(typeof ok.silentForMs, "number");
  fake.current.close(440, "Stream Errored (conflict)");
  await eventually("replaced", async () => !(await whatsappAccount(admin)).connected);
  const down = await probed();
  assert.equal(down.ok, false);
  assert.match(String(down.error), /replaced by another WhatsApp Web session/);
  assert.equal(down.linked, true);
});

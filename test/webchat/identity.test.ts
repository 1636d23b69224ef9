// The pages' device identity (@clawdbot/protocol/browser) checked in node against the protocol
// package and node:crypto: same payload string, same id, a signature tweetnacl verifies.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import nacl from "tweetnacl";
import { deviceAuthPayload } from "@clawdbot/protocol";
import { browser as id, memoryStorage } from "./support/modules.js";

const KEYS = id.identityKeys("clawdbot.webchat");

const fields = {
  clientId: "webchat-ui",
  clientMode: "webchat",
  role: "operator",
  scopes: ["operator.read", "operator.write"],
  signedAt: 1_760_000_000_123,
  nonce: "n0nce-abc",
};

test("a new identity is created, stored as base64 of the 64-byte secret key, and loaded back unchanged", async () => {
  const storage = memoryStorage();
  const a = await id.loadIdentity(storage, KEYS, nacl);
  const stored = JSON.parse(storage.getItem(KEYS.identity)!) as { version: number; secretKey: string };
  assert.equal(stored.version, 1);
  assert.equal(Buffer.from(stored.secretKey, "base64").length, 64);
  const b = await id.loadIdentity(storage, KEYS, nacl);
  assert.equal(b.deviceId, a.deviceId);
  assert.equal(b.publicKey, a.publicKey);
});

test("deviceId is the lowercase hex SHA-256 of the raw public key; publicKey is base64url without padding", async () => {
  const { deviceId, publicKey } = await id.loadIdentity(memoryStorage(), KEYS, nacl);
  const raw = Buffer.from(publicKey, "base64url");
  assert.equal(raw.length, 32);
  assert.match(publicKey, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(deviceId, createHash("sha256").update(raw).digest("hex"));
});

test("a damaged stored key is replaced by a new identity instead of breaking the page", async () => {
  for (const junk of ["not json", '{"version":1,"secretKey":"c2hvcnQ="}', '{"version":2,"secretKey":""}', "null", '{"version":1,"secretKey":"***"}']) {
    const storage = memoryStorage();
    storage.setItem(KEYS.identity, junk);
    const ident = await id.loadIdentity(storage, KEYS, nacl);
    assert.match(ident.deviceId, /^[0-9a-f]{64}$/, junk);
    assert.notEqual(storage.getItem(KEYS.identity), junk, junk);
  }
});

test("signDevice produces connect.params.device with a base64url signature tweetnacl verifies", async () => {
  const ident = await id.loadIdentity(memoryStorage(), KEYS, nacl);
  const device = id.signDevice(ident, nacl, { ...fields, token: "tok" });
  assert.deepEqual(Object.keys(device).sort(), ["id", "nonce", "publicKey", "signature", "signedAt"]);
  assert.equal(device.id, ident.deviceId);
  assert.match(device.signature, /^[A-Za-z0-9_-]{86}$/);
  const signed = (token: string) => ({ ...fields, deviceId: ident.deviceId, signedAtMs: fields.signedAt, token });
  const msg = new TextEncoder().encode(deviceAuthPayload(signed("tok")));
  assert.match(deviceAuthPayload(signed("tok")), /^v2\|[0-9a-f]{64}\|webchat-ui\|webchat\|operator\|operator\.read,operator\.write\|1760000000123\|tok\|n0nce-abc$/);
  assert.equal(nacl.sign.detached.verify(msg, Buffer.from(device.signature, "base64url"), Buffer.from(device.publicKey, "base64url")), true);
  const other = new TextEncoder().encode(deviceAuthPayload(signed("")));
  assert.equal(nacl.sign.detached.verify(other, Buffer.from(device.signature, "base64url"), Buffer.from(device.publicKey, "base64url")), false);
});

test("the device token is kept per device and role, and ignored for another identity", () => {
  const storage = memoryStorage();
  id.saveDeviceToken(storage, KEYS, "dev-a", { deviceToken: "t-a", role: "operator", scopes: ["operator.read"] });
  assert.deepEqual(id.loadDeviceToken(storage, KEYS, "dev-a", "operator"), { token: "t-a", role: "operator", scopes: ["operator.read"] });
  assert.equal(id.loadDeviceToken(storage, KEYS, "dev-b", "operator"), undefined);
  assert.equal(id.loadDeviceToken(storage, KEYS, "dev-a", "node"), undefined);
  assert.equal(id.loadDeviceToken(storage, id.identityKeys("clawdbot.control"), "dev-a", "operator"), undefined, "another page's keys");
  storage.setItem(KEYS.deviceToken, "{broken");
  assert.equal(id.loadDeviceToken(storage, KEYS, "dev-a", "operator"), undefined);
});

test("the SHA-256 fallback (pages without crypto.subtle) matches node:crypto at every padding boundary", async () => {
  for (const n of [0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 65_537]) {
    const bytes = new Uint8Array(randomBytes(n));
    const want = createHash("sha256").update(bytes).digest("hex");
    assert.equal(id.toHex(id.sha256Sync(bytes)), want, `length ${n}`);
    assert.equal(id.toHex(await id.sha256(bytes, null)), want, `length ${n} without subtle`);
    assert.equal(id.toHex(await id.sha256(bytes)), want, `length ${n} with subtle`);
  }
  assert.equal(id.toHex(id.sha256Sync(new TextEncoder().encode("abc"))), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
});

test("base64 helpers round-trip and match node's encodings", () => {
  for (const n of [0, 1, 2, 3, 31, 32, 64]) {
    const bytes = new Uint8Array(randomBytes(n));
    assert.equal(id.toBase64(bytes), Buffer.from(bytes).toString("base64"));
    assert.equal(id.toBase64Url(bytes), Buffer.from(bytes).toString("base64url"));
    assert.deepEqual(id.fromBase64(id.toBase64(bytes)), bytes);
  }
});

test("uuid() is a version 4 UUID and does not repeat", () => {
  const seen = new Set<string>();
  for (let i = 0; i < 1000; i++) {
    const u = id.uuid();
    assert.match(u, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    seen.add(u);
  }
  assert.equal(seen.size, 1000);
});

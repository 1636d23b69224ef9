import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, generateKeyPairSync, verify } from "node:crypto";
import nacl from "tweetnacl";
import { deviceAuthPayload, deviceIdFromRawKey, publicKeyObject, rawPublicKey } from "@clawdbot/protocol";
import { generateIdentity, signPayload } from "@clawdbot/protocol/client";

test("v2 payload: fields joined by | with the nonce last; v1 has no nonce", () => {
  const f = { deviceId: "d", clientId: "cli", clientMode: "cli", role: "operator", scopes: ["a", "b"], signedAtMs: 5, token: "" };
  assert.equal(deviceAuthPayload({ ...f, nonce: "n" }), "v2|d|cli|cli|operator|a,b|5||n");
  assert.equal(deviceAuthPayload(f), "v1|d|cli|cli|operator|a,b|5|");
});

test("device id is the hex sha256 of the raw key; base64url and PEM forms agree", () => {
  const { publicKey } = generateKeyPairSync("ed25519");
  const x = publicKey.export({ format: "jwk" }).x!;
  const raw = rawPublicKey(x)!;
  assert.equal(raw.length, 32);
  assert.equal(deviceIdFromRawKey(raw), createHash("sha256").update(raw).digest("hex"));
  const pem = publicKey.export({ format: "pem", type: "spki" }).toString();
  assert.deepEqual(rawPublicKey(pem), raw);
  assert.equal(rawPublicKey("not base64!"), null);
  assert.equal(rawPublicKey(Buffer.alloc(31).toString("base64url")), null);
});

test("signatures cross-check between node:crypto and tweetnacl", () => {
  const id = generateIdentity();
  const payload = "v2|x|cli|cli|operator||1||nonce";
  const sig = Buffer.from(signPayload(id, payload), "base64url");
  assert.ok(nacl.sign.detached.verify(Buffer.from(payload), sig, rawPublicKey(id.publicKey)!));
  const kp = nacl.sign.keyPair();
  const naclSig = nacl.sign.detached(Buffer.from(payload), kp.secretKey);
  assert.ok(verify(null, Buffer.from(payload), publicKeyObject(kp.publicKey), naclSig));
  naclSig[0] = (naclSig[0] ?? 0) ^ 1;
  assert.ok(!verify(null, Buffer.from(payload), publicKeyObject(kp.publicKey), naclSig));
});

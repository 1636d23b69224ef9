// Device identity: ed25519 proof of the connect, device id = sha256(raw key), clock skew, challenge nonce.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, createPublicKey, generateKeyPairSync } from "node:crypto";
import nacl from "tweetnacl";
import { PROTOCOL_VERSION, type ConnectParams } from "@clawdbot/protocol";
import { generateIdentity } from "@clawdbot/protocol/client";
import { startGateway } from "../support/gateway.js";
import { RawClient, connectParams, connectRaw } from "../support/raw-client.js";
import { assertHealthy, assertHello, assertRefused, flipSignatureBit } from "./refusal.js";

const MINUTE = 60_000;

test("no device block and no gateway secret: INVALID_REQUEST, close 1008 'device identity required'", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const { client, res } = await connectRaw(gw.url, { identity: null });
  await assertRefused(client, res, { code: "INVALID_REQUEST", close: "device identity required" });
});

test("a tampered signature (one bit flipped): close 1008 'device signature invalid'", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const { client, res } = await connectRaw(gw.url, { signature: (s) => flipSignatureBit(s, 17) });
  await assertRefused(client, res, { code: "INVALID_REQUEST", close: "device signature invalid" });
});

for (const [what, sig] of [
  ["truncated", (s: string) => s.slice(0, 40)],
  ["not base64url", (s: string) => `${s.slice(0, -2)}*!`],
  ["64 zero bytes", () => Buffer.alloc(64).toString("base64url")],
] as const) {
  test(`a ${what} signature: close 1008 'device signature invalid'`, async (t) => {
    const gw = await startGateway();
    t.after(() => gw.stop());
    const { client, res } = await connectRaw(gw.url, { signature: sig });
    await assertRefused(client, res, { code: "INVALID_REQUEST", close: "device signature invalid" });
  });
}

test("a signature made for other scopes than those sent: close 1008 'device signature invalid'", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const client = await RawClient.open(gw.url);
  const nonce = await client.challenge();
  const params = connectParams({ nonce, scopes: ["operator.read"] });
  const res = await client.request("connect", { ...params, scopes: ["operator.admin"] });
  await assertRefused(client, res, { code: "INVALID_REQUEST", close: "device signature invalid" });
});

test("a signature made for another client id than the one sent: close 1008 'device signature invalid'", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const client = await RawClient.open(gw.url);
  const nonce = await client.challenge();
  const params = connectParams({ nonce, clientId: "cli", mode: "cli" });
  const res = await client.request("connect", { ...params, client: { ...params.client, id: "clawdbot-macos", mode: "ui" } });
  await assertRefused(client, res, { code: "INVALID_REQUEST", close: "device signature invalid" });
});

test("a signature by another key than device.publicKey: close 1008 'device signature invalid'", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const signer = generateIdentity();
  const victim = generateIdentity();
  const client = await RawClient.open(gw.url);
  const nonce = await client.challenge();
  // Signed (correctly) by `signer`, but claims to be `victim` (id and key consistent).
  const params = connectParams({ nonce, identity: { ...signer, deviceId: victim.deviceId, publicKey: victim.publicKey } });
  const res = await client.request("connect", params);
  await assertRefused(client, res, { code: "INVALID_REQUEST", close: "device signature invalid" });
});

test("device.id that is not the sha256 of the key: close 1008 'device identity mismatch'", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const other = generateIdentity();
  const { client, res } = await connectRaw(gw.url, { identity: { ...generateIdentity(), deviceId: other.deviceId } });
  await assertRefused(client, res, { code: "INVALID_REQUEST", close: "device identity mismatch" });
});

test("device.id in uppercase hex (not the lowercase sha256): close 1008 'device identity mismatch'", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const id = generateIdentity();
  const { client, res } = await connectRaw(gw.url, { identity: { ...id, deviceId: id.deviceId.toUpperCase() } });
  await assertRefused(client, res, { code: "INVALID_REQUEST", close: "device identity mismatch" });
});

test("a public key that is not 32 bytes: close 1008 'device identity mismatch'", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const short = Buffer.alloc(31, 7);
  const id = { ...generateIdentity(), publicKey: short.toString("base64url"), deviceId: sha256Hex(short) };
  const { client, res } = await connectRaw(gw.url, { identity: id });
  await assertRefused(client, res, { code: "INVALID_REQUEST", close: "device identity mismatch" });
});

for (const [what, offset] of [
  ["11 minutes in the past", -11 * MINUTE],
  ["11 minutes in the future", 11 * MINUTE],
] as const) {
  test(`signedAt ${what}: close 1008 'device signature expired'`, async (t) => {
    const gw = await startGateway();
    t.after(() => gw.stop());
    const { client, res } = await connectRaw(gw.url, { signedAt: Date.now() + offset });
    await assertRefused(client, res, { code: "INVALID_REQUEST", close: "device signature expired" });
  });
}

test("signedAt judged by the gateway clock: 11 minutes off the gateway's time is expired, 9 minutes is accepted", async (t) => {
  const clock = 1_700_000_000_000;
  const gw = await startGateway({ now: () => clock });
  t.after(() => gw.stop());
  const late = await connectRaw(gw.url, { signedAt: clock - 11 * MINUTE });
  await assertRefused(late.client, late.res, { code: "INVALID_REQUEST", close: "device signature expired" });
  const fine = await connectRaw(gw.url, { signedAt: clock - 9 * MINUTE });
  t.after(() => fine.client.close());
  assertHello(fine.res);
});

test("the nonce of another socket: close 1008 'device nonce mismatch'; that socket can still use its own nonce", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const owner = await RawClient.open(gw.url);
  t.after(() => owner.close());
  const ownerNonce = await owner.challenge();
  const { client, res } = await connectRaw(gw.url, { nonce: ownerNonce });
  await assertRefused(client, res, { code: "INVALID_REQUEST", close: "device nonce mismatch" });
  assertHello(await owner.request("connect", connectParams({ nonce: ownerNonce })));
});

test("a nonce already used by a finished connection is refused on a new socket", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const identity = generateIdentity();
  const first = await connectRaw(gw.url, { identity });
  assertHello(first.res);
  const used = (first.client.frames[0]?.payload as { nonce: string }).nonce;
  first.client.close();
  const replay = await connectRaw(gw.url, { identity, nonce: used });
  await assertRefused(replay.client, replay.res, { code: "INVALID_REQUEST", close: "device nonce mismatch" });
});

test("a legacy v1 signature (no nonce) from a loopback client is accepted", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const { client, res } = await connectRaw(gw.url, { nonce: null });
  t.after(() => client.close());
  assertHello(res);
  await assertHealthy(client);
});

test("a PEM SPKI publicKey is accepted, and the device can reconnect with the raw key", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const identity = generateIdentity();
  const pem = createPublicKey(identity.privateKey).export({ type: "spki", format: "pem" }).toString();
  assert.match(pem, /BEGIN PUBLIC KEY/);
  const first = await connectRaw(gw.url, { identity: { ...identity, publicKey: pem } });
  first.client.close();
  assertHello(first.res);
  const raw = await connectRaw(gw.url, { identity });
  t.after(() => raw.client.close());
  assertHello(raw.res);
});

test("a PEM key that is not ed25519 (an RSA key): close 1008 'device identity mismatch'", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey.export({ type: "spki", format: "pem" }).toString();
  const { client, res } = await connectRaw(gw.url, { identity: { ...generateIdentity(), publicKey: rsa } });
  await assertRefused(client, res, { code: "INVALID_REQUEST", close: "device identity mismatch" });
});

// ---- an independent client: tweetnacl keys, payload built from PROTOCOL.md by hand ----------------

interface NaclDevice {
  id: string;
  publicKey: string;
  secretKey: Uint8Array;
}

function naclDevice(): NaclDevice {
  const kp = nacl.sign.keyPair();
  return { id: sha256Hex(kp.publicKey), publicKey: Buffer.from(kp.publicKey).toString("base64url"), secretKey: kp.secretKey };
}

/** Connect params signed with tweetnacl over `v2|id|client|mode|role|scopes|signedAt|token|nonce` (v1 without nonce). */
function naclConnect(dev: NaclDevice, nonce: string | undefined, tamper = false): ConnectParams {
  const signedAt = Date.now();
  const fields = [dev.id, "clawdbot-macos", "ui", "operator", "operator.read,operator.write", String(signedAt), ""];
  const payload = nonce === undefined ? ["v1", ...fields].join("|") : ["v2", ...fields, nonce].join("|");
  const sig = nacl.sign.detached(new TextEncoder().encode(payload), dev.secretKey);
  if (tamper) sig[5] = (sig[5] ?? 0) ^ 0x80;
  const signature = Buffer.from(sig).toString("base64url");
  assert.doesNotMatch(signature, /=/);
  return {
    minProtocol: PROTOCOL_VERSION,
    maxProtocol: PROTOCOL_VERSION,
    client: { id: "clawdbot-macos", version: "2.0.0", platform: "darwin", mode: "ui" },
    role: "operator",
    scopes: ["operator.read", "operator.write"],
    device: { id: dev.id, publicKey: dev.publicKey, signature, signedAt, ...(nonce === undefined ? {} : { nonce }) },
  };
}

test("a tweetnacl client (v2 payload built from the spec, base64url without padding) is accepted", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const client = await RawClient.open(gw.url);
  t.after(() => client.close());
  const nonce = await client.challenge();
  const hello = assertHello(await client.request("connect", naclConnect(naclDevice(), nonce)));
  assert.deepEqual(hello.auth?.scopes, ["operator.read", "operator.write"]);
  await assertHealthy(client);
});

test("a tweetnacl client with one flipped signature byte: close 1008 'device signature invalid'", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const client = await RawClient.open(gw.url);
  const nonce = await client.challenge();
  const res = await client.request("connect", naclConnect(naclDevice(), nonce, true));
  await assertRefused(client, res, { code: "INVALID_REQUEST", close: "device signature invalid" });
});

test("a tweetnacl client with a legacy v1 payload from loopback is accepted", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const client = await RawClient.open(gw.url);
  t.after(() => client.close());
  await client.challenge();
  assertHello(await client.request("connect", naclConnect(naclDevice(), undefined)));
});

function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

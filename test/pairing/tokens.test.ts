// Device tokens: issued once in hello-ok.auth, used as auth.token afterwards, bound to one device and
// role, revoked (closing live sockets at once) and rotated; stored only as hashes in a 0600 file.
// The gateways require a token and auto-approve loopback devices (the default).
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { CloseCode } from "@clawdbot/protocol";
import { generateIdentity } from "@clawdbot/protocol/client";
import { call, connect, connectOk, GATEWAY_TOKEN, pairingGateway } from "./connections.js";
import { assertRefused, closedWithin, isOpen, UNAUTHORIZED } from "./refusals.js";
import { issuedToken, pairList } from "./approval.js";
import { assertStoreKeepsSecrets, devicesFile } from "./store-files.js";
import { setTimeout as sleep } from "node:timers/promises";
import { DeviceStore } from "@clawdbot/sidecar";
import { withFileLock } from "../../sidecar/src/store/file-lock.js";
import { RawClient, connectParams } from "../support/raw-client.js";
import { eventually } from "../support/wait.js";


async function setup(t: TestContext) {
  const gw = await pairingGateway(t, { token: true });
  const admin = (await connectOk(t, gw.url, { token: GATEWAY_TOKEN, scopes: ["operator.admin"] })).client;
  return { gw, admin };
}

test("the device token from hello-ok.auth admits the device again (no gateway token) and that hello-ok issues nothing new", async (t) => {
  const { gw } = await setup(t);
  const identity = generateIdentity();
  const first = await connectOk(t, gw.url, { identity, token: GATEWAY_TOKEN, scopes: ["operator.read"] });
  const auth = first.hello.auth;
  assert.ok(auth, "first approved connect carries hello-ok.auth");
  assert.deepEqual({ role: auth.role, scopes: auth.scopes }, { role: "operator", scopes: ["operator.read"] });
  assert.ok(Buffer.from(auth.deviceToken, "base64url").length >= 32, "token has >= 32 random bytes");
  first.client.close();

  for (let i = 0; i < 2; i++) {
    const again = await connectOk(t, gw.url, { identity, token: auth.deviceToken, scopes: ["operator.read"] });
    assert.equal(again.hello.auth, undefined, `reconnect ${i + 1} must not be issued another token`);
    await call(again.client, "health");
  }
});

test("a device holding a live token is not issued another on a gateway-token connect (nothing is written); once revoked, the next connect gets a new one", async (t) => {
  const { gw, admin } = await setup(t);
  const identity = generateIdentity();
  const scopes = ["operator.read"];
  const first = issuedToken((await connectOk(t, gw.url, { identity, token: GATEWAY_TOKEN, scopes })).hello);
  const before = await readFile(devicesFile(gw), "utf8");
  for (let i = 0; i < 3; i++) {
    const again = await connectOk(t, gw.url, { identity, token: GATEWAY_TOKEN, scopes });
    assert.equal(again.hello.auth, undefined, "minting again would silently revoke the copy the device keeps");
    again.client.close();
  }
  assert.equal(await readFile(devicesFile(gw), "utf8"), before, "the pairing store was not rewritten");
  await call((await connectOk(t, gw.url, { identity, token: first, scopes })).client, "health");

  await call(admin, "device.token.revoke", { deviceId: identity.deviceId, role: "operator" });
  const replaced = issuedToken((await connectOk(t, gw.url, { identity, token: GATEWAY_TOKEN, scopes })).hello);
  assert.notEqual(replaced, first);
  await assertRefused(await connect(gw.url, { identity, token: first, scopes }), UNAUTHORIZED);
  await call((await connectOk(t, gw.url, { identity, token: replaced, scopes })).client, "health");
});

test("a token an operator rotated (narrowed) survives the device's next gateway-token connect; a repair approval newer than it mints again", async (t) => {
  const { gw, admin } = await setup(t);
  const identity = generateIdentity();
  const wide = ["operator.read", "operator.write"];
  issuedToken((await connectOk(t, gw.url, { identity, token: GATEWAY_TOKEN, scopes: wide })).hello);
  const narrowed = await call<{ token: string }>(admin, "device.token.rotate", { deviceId: identity.deviceId, role: "operator", scopes: ["operator.read"] });
  const again = await connectOk(t, gw.url, { identity, token: GATEWAY_TOKEN, scopes: wide });
  assert.equal(again.hello.auth, undefined, "minting now would silently revoke the token the operator handed out");
  await call((await connectOk(t, gw.url, { identity, token: narrowed.token, scopes: ["operator.read"] })).client, "health");

  // Asking for more than approved auto-approves locally (a repair): the approval is newer, so a token is minted.
  const repaired = await connectOk(t, gw.url, { identity, token: GATEWAY_TOKEN, scopes: [...wide, "operator.approvals"] });
  assert.deepEqual(repaired.hello.auth?.scopes.slice().sort(), ["operator.approvals", "operator.read", "operator.write"]);
});

test("a token minted for a connect whose socket closed before hello-ok is withdrawn; the device's next connect is issued one", async (t) => {
  const { gw } = await setup(t);
  const identity = generateIdentity();
  const scopes = ["operator.read"];
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  // Holding the store lock keeps the gateway between "connect received" and "token minted" while the client leaves.
  const held = withFileLock(`${devicesFile(gw)}.lock`, async () => {
    const client = await RawClient.open(gw.url);
    const nonce = await client.challenge();
    client.sendRaw(JSON.stringify({ type: "req", id: "c", method: "connect", params: connectParams({ identity, token: GATEWAY_TOKEN, scopes, nonce }) }));
    await sleep(200);
    client.terminate();
    await sleep(200);
    resolveClosed();
  });
  await closed;
  await held;
  // The gateway minted (pairing + token) after the lock was released, found the socket gone and withdrew the token.
  await eventually("the undelivered token is revoked in the store", async () => {
    const store = await DeviceStore.open(gw.stateDir, Date.now);
    return store.get(identity.deviceId)?.tokens["operator"]?.revokedAtMs !== undefined;
  });
  // The file is renamed into place a moment before the gateway adopts it in memory, so a connect
  // racing that moment may still see the withdrawn token as live; the next one must get a token.
  let token: string | undefined;
  await eventually("a connect after the withdrawal is issued a device token", async () => {
    const next = await connectOk(t, gw.url, { identity, token: GATEWAY_TOKEN, scopes });
    if (next.hello.auth) token = issuedToken(next.hello);
    return token !== undefined;
  });
  await call((await connectOk(t, gw.url, { identity, token: token!, scopes })).client, "health");
});

test("a device token presented by another device is refused 'unauthorized'; the owner keeps using it", async (t) => {
  const { gw } = await setup(t);
  const owner = generateIdentity();
  const token = issuedToken((await connectOk(t, gw.url, { identity: owner, token: GATEWAY_TOKEN, scopes: ["operator.read"] })).hello);

  const thief = generateIdentity();
  await connectOk(t, gw.url, { identity: thief, token: GATEWAY_TOKEN, scopes: ["operator.read"] }); // paired itself
  const err = await assertRefused(await connect(gw.url, { identity: thief, token, scopes: ["operator.read"] }), UNAUTHORIZED);
  assert.doesNotMatch(err.message, /operator\.read/);
  const unpaired = generateIdentity();
  await assertRefused(await connect(gw.url, { identity: unpaired, token, scopes: ["operator.read"] }), UNAUTHORIZED);

  const mine = await connectOk(t, gw.url, { identity: owner, token, scopes: ["operator.read"] });
  await call(mine.client, "health");
});

test("device.token.revoke closes that device's live sockets of that role at once (1008); others stay; the token is refused afterwards", async (t) => {
  const { gw, admin } = await setup(t);
  const victim = generateIdentity();
  const first = await connectOk(t, gw.url, { identity: victim, token: GATEWAY_TOKEN, scopes: ["operator.read"] });
  const token = issuedToken(first.hello);
  const live = await connectOk(t, gw.url, { identity: victim, token, scopes: ["operator.read"] });
  const liveToo = await connectOk(t, gw.url, { identity: victim, token, scopes: ["operator.read"] });
  const asNode = await connectOk(t, gw.url, { identity: victim, token: GATEWAY_TOKEN, role: "node", scopes: [] });
  const bystander = await connectOk(t, gw.url, { token: GATEWAY_TOKEN, scopes: ["operator.read"] });

  const res = await call<{ deviceId: string; role: string; disconnected: number }>(admin, "device.token.revoke", {
    deviceId: victim.deviceId,
    role: "operator",
  });
  assert.deepEqual({ deviceId: res.deviceId, role: res.role, disconnected: res.disconnected }, { deviceId: victim.deviceId, role: "operator", disconnected: 3 });
  // Every operator socket of the device closes, whether it came in with the device token or the gateway token.
  for (const c of [first.client, live.client, liveToo.client]) {
    assert.deepEqual(await closedWithin(c), { code: CloseCode.policyViolation, reason: "device token revoked" });
  }
  // Another role of the same device, another device and the admin are untouched.
  for (const c of [asNode.client, bystander.client, admin]) {
    assert.ok(isOpen(c));
    await call(c, "health");
  }

  await assertRefused(await connect(gw.url, { identity: victim, token, scopes: ["operator.read"] }), UNAUTHORIZED);
  const tokenInfo = (await pairList(admin)).paired.find((d) => d.deviceId === victim.deviceId)?.tokens.find((x) => x.role === "operator");
  assert.equal(typeof tokenInfo?.revokedAtMs, "number", `token metadata: ${JSON.stringify(tokenInfo)}`);
});

test("device.token.rotate returns a new token: the old one is refused at once, the new one is accepted", async (t) => {
  const { gw, admin } = await setup(t);
  const dev = generateIdentity();
  const old = issuedToken((await connectOk(t, gw.url, { identity: dev, token: GATEWAY_TOKEN, scopes: ["operator.read", "operator.write"] })).hello);

  const rotated = await call<{ deviceId: string; role: string; token: string; scopes: string[]; rotatedAtMs: number }>(admin, "device.token.rotate", {
    deviceId: dev.deviceId,
    role: "operator",
  });
  assert.notEqual(rotated.token, old);
  assert.deepEqual(rotated.scopes, ["operator.read", "operator.write"], "without scopes, rotation keeps the token's scopes");
  assert.ok(Buffer.from(rotated.token, "base64url").length >= 32);

  await assertRefused(await connect(gw.url, { identity: dev, token: old, scopes: ["operator.read"] }), UNAUTHORIZED);
  const fresh = await connectOk(t, gw.url, { identity: dev, token: rotated.token, scopes: ["operator.read", "operator.write"] });
  assert.equal(fresh.hello.auth, undefined);
  await call(fresh.client, "health");
  const info = (await pairList(admin)).paired.find((d) => d.deviceId === dev.deviceId)?.tokens.find((x) => x.role === "operator");
  assert.equal(typeof info?.rotatedAtMs, "number");
});

test("device.token.rotate closes the sessions the old token opened (1008 'device token rotated'); the rotating session and gateway-token sessions stay", async (t) => {
  const { gw, admin } = await setup(t);
  const dev = generateIdentity();
  const scopes = ["operator.pairing", "operator.read"];
  const viaSecret = await connectOk(t, gw.url, { identity: dev, token: GATEWAY_TOKEN, scopes });
  const old = issuedToken(viaSecret.hello);
  const other = await connectOk(t, gw.url, { identity: dev, token: old, scopes });
  const rotating = await connectOk(t, gw.url, { identity: dev, token: old, scopes });

  // The device rotates its own token from one of its sessions: that session is the one that gets the new token.
  const own = await call<{ token: string }>(rotating.client, "device.token.rotate", { deviceId: dev.deviceId, role: "operator" });
  assert.deepEqual(await closedWithin(other.client), { code: CloseCode.policyViolation, reason: "device token rotated" });
  for (const c of [rotating.client, viaSecret.client, admin]) {
    assert.ok(isOpen(c));
    await call(c, "health");
  }
  await assertRefused(await connect(gw.url, { identity: dev, token: old, scopes }), UNAUTHORIZED);

  // Rotated again by someone else: the session still standing on a replaced token ends too.
  const next = await connectOk(t, gw.url, { identity: dev, token: own.token, scopes });
  await call(admin, "device.token.rotate", { deviceId: dev.deviceId, role: "operator" });
  for (const c of [rotating.client, next.client]) {
    assert.deepEqual(await closedWithin(c), { code: CloseCode.policyViolation, reason: "device token rotated" });
  }
  assert.ok(isOpen(viaSecret.client), "a session let in by the gateway token did not use the device token");
  await call(viaSecret.client, "health");
});

test("devices/pairing.json never holds a plaintext token (issued, rotated, revoked, gateway); file 0600 in a 0700 dir", async (t) => {
  const { gw, admin } = await setup(t);
  const secrets = [GATEWAY_TOKEN];
  const a = generateIdentity();
  const b = generateIdentity();
  secrets.push(issuedToken((await connectOk(t, gw.url, { identity: a, token: GATEWAY_TOKEN, scopes: ["operator.admin"] })).hello));
  secrets.push(issuedToken((await connectOk(t, gw.url, { identity: b, token: GATEWAY_TOKEN, role: "node", scopes: [] })).hello));
  secrets.push((await call<{ token: string }>(admin, "device.token.rotate", { deviceId: a.deviceId, role: "operator" })).token);
  secrets.push((await call<{ token: string }>(admin, "device.token.rotate", { deviceId: b.deviceId, role: "node" })).token);
  await call(admin, "device.token.revoke", { deviceId: b.deviceId, role: "node" });

  await assertStoreKeepsSecrets(devicesFile(gw), secrets);
  assert.deepEqual(await readdir(dirname(devicesFile(gw))), ["pairing.json"], "no lock or temp files are left behind");
  // What is stored is the SHA-256 of the current token, nothing reversible.
  const doc = JSON.parse(await readFile(devicesFile(gw), "utf8")) as { paired: Record<string, { tokens: Record<string, { hash: string }> }> };
  const sha = (s: string) => createHash("sha256").update(s).digest("hex");
  const aHash = doc.paired[a.deviceId]?.tokens["operator"]?.hash;
  const bHash = doc.paired[b.deviceId]?.tokens["node"]?.hash;
  assert.equal(aHash, sha(secrets[3]!));
  assert.equal(bHash, sha(secrets[4]!));
  // Operators see token metadata, never the hashes.
  const listed = JSON.stringify(await pairList(admin));
  for (const h of [aHash, bHash]) assert.ok(!listed.includes(h!), "device.pair.list leaks a token hash");
});

test("a revoked token can be replaced by rotation: the new token works, the revoked one stays refused", async (t) => {
  const { gw, admin } = await setup(t);
  const dev = generateIdentity();
  const old = issuedToken((await connectOk(t, gw.url, { identity: dev, token: GATEWAY_TOKEN, scopes: ["operator.read"] })).hello);
  await call(admin, "device.token.revoke", { deviceId: dev.deviceId, role: "operator" });
  const fresh = (await call<{ token: string }>(admin, "device.token.rotate", { deviceId: dev.deviceId, role: "operator" })).token;
  await connectOk(t, gw.url, { identity: dev, token: fresh, scopes: ["operator.read"] });
  await assertRefused(await connect(gw.url, { identity: dev, token: old, scopes: ["operator.read"] }), UNAUTHORIZED);
  const info = (await pairList(admin)).paired.find((d) => d.deviceId === dev.deviceId)?.tokens.find((x) => x.role === "operator");
  assert.equal(info?.revokedAtMs, undefined, "the live token is not marked revoked");
});

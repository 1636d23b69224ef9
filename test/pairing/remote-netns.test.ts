// The remote flow over a real non-loopback connection: each test creates a network namespace
// joined by a veth pair (10.200.<n>.2 inside → 10.200.<n>.1 on the host), starts a token gateway
// bound to the host side, and runs test/pairing/remote-client.ts inside the namespace with given
// identities (one client process per test, fed connect requests on stdin). Needs root (CI runs as
// root); skipped with a message where network namespaces are unavailable.
//
// Approving the remote device: the gateway listens only on 10.200.<n>.1, so `clawdbot pair approve`
// on the host connects to that address too and is itself a non-local, unapproved device. It gets
// `pairing required`, falls back to the pairing store in the gateway's state dir (exit 0, via
// "store"), and the running gateway re-reads the store when the remote device reconnects.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { CloseCode, ResponseFrameSchema, check, type ErrorShape } from "@clawdbot/protocol";
import { generateIdentity } from "@clawdbot/protocol/client";
import { assertHello, call, GATEWAY_TOKEN, pairingGateway, tokenAdmin, urlOn } from "./connections.js";
import { pairList } from "./approval.js";
import { awaitEvent } from "./event-watch.js";
import { cliJson, runCli } from "./cli.js";
import { NONCE_REQUIRED, UNAUTHORIZED, type Refusal } from "./refusals.js";
import { RemoteSession, createNetns, type Netns, type RemoteOutcome } from "./netns.js";

interface Remote {
  ns: Netns;
  url: string;
  stateDir: string;
  /** The client process inside the namespace. */
  remote: RemoteSession;
}

/** Namespace + gateway bound to its host side + the client in the namespace; undefined when skipped. */
async function remoteSetup(t: TestContext, o: { trustedProxies?: (ns: Netns) => string[]; maxFailures?: number } = {}): Promise<Remote | undefined> {
  const ns = await createNetns(t);
  if (!ns) return undefined;
  // The admin on the host reaches the gateway through its non-loopback address with the token alone.
  const gw = await pairingGateway(t, {
    token: true,
    allowSecretOnly: true,
    bind: ns.hostIp,
    ...(o.trustedProxies ? { trustedProxies: o.trustedProxies(ns) } : {}),
    ...(o.maxFailures ? { maxFailures: o.maxFailures } : {}),
  });
  const url = urlOn(gw, ns.hostIp);
  return { ns, url, stateDir: gw.stateDir, remote: new RemoteSession(t, ns, url) };
}

function assertRemoteRefused(r: RemoteOutcome, want: Refusal): ErrorShape {
  assert.equal(r.res.ok, false, `expected a refusal, got ${JSON.stringify(r.res).slice(0, 400)}`);
  const strict = check(ResponseFrameSchema, r.res);
  assert.ok(strict.ok && strict.value.error, `refusal frame is not strictly valid: ${JSON.stringify(r.res)}`);
  assert.equal(strict.value.error.code, want.code, JSON.stringify(r.res.error));
  assert.deepEqual(r.closed, { code: want.closeCode ?? CloseCode.policyViolation, reason: want.close });
  return strict.value.error;
}

function requestIdOf(r: RemoteOutcome): string {
  const error = assertRemoteRefused(r, { code: "NOT_PAIRED", close: "pairing required" });
  const id = (error.details as { requestId?: unknown } | undefined)?.requestId;
  assert.equal(typeof id, "string", JSON.stringify(error));
  return id as string;
}

const READ = ["operator.read"];

test("remote device: pairing required → CLI approves (store fallback) → device token → token only → revoked live → 'unauthorized'", async (t) => {
  const r = await remoteSetup(t);
  if (!r) return;
  const admin = await tokenAdmin(t, r.url);
  const device = generateIdentity();

  // 1. Unknown device from 10.200.n.2 with the gateway token: pairing required, request filed with the real address.
  const requestId = requestIdOf(await r.remote.connect(device, { token: GATEWAY_TOKEN, scopes: READ }));
  const requested = await awaitEvent(admin, "device.pair.requested", (p) => p["requestId"] === requestId);
  assert.deepEqual({ deviceId: requested["deviceId"], remoteIp: requested["remoteIp"] }, { deviceId: device.deviceId, remoteIp: r.ns.nsIp });
  assert.equal(requestIdOf(await r.remote.connect(device, { token: GATEWAY_TOKEN, scopes: READ })), requestId, "a repeated connect reuses the request");

  // 2. The CLI on the host approves it; its own connect to 10.200.n.1 is non-local and unapproved → store fallback.
  const cli = await runCli(["pair", "approve", requestId, "--url", r.url, "--token", GATEWAY_TOKEN, "--json"], r.stateDir);
  assert.deepEqual(cliJson(cli), { requestId, deviceId: device.deviceId, via: "store" });
  const cliRequest = (await pairList(admin)).pending.find((p) => p.clientId === "cli");
  assert.equal(cliRequest?.remoteIp, r.ns.hostIp, "the CLI's own connect was not local either and awaits approval");

  // 3. Reconnect with the gateway token: admitted, device token issued.
  const approved = await r.remote.connect(device, { token: GATEWAY_TOKEN, scopes: READ });
  const hello = assertHello(approved.res);
  assert.ok(hello.auth, "hello-ok.auth carries the device token");
  assert.deepEqual({ role: hello.auth.role, scopes: hello.auth.scopes }, { role: "operator", scopes: READ });
  const deviceToken = hello.auth.deviceToken;
  const paired = (await pairList(admin)).paired.find((d) => d.deviceId === device.deviceId);
  assert.equal(paired?.remoteIp, r.ns.nsIp);

  // 4. Only the device token, no gateway token: admitted, nothing new issued, usable.
  const held = await r.remote.send(device, { token: deviceToken, scopes: READ, calls: ["health"], hold: true });
  assert.equal(assertHello((await r.remote.line(held, "connect")).res).auth, undefined);
  assert.equal((await r.remote.line(held, "call")).res.ok, true);
  await r.remote.line(held, "ready");

  // 5. Revoked from the admin connection: the live remote socket closes at once.
  const revoked = await call<{ disconnected: number }>(admin, "device.token.revoke", { deviceId: device.deviceId, role: "operator" });
  assert.equal(revoked.disconnected, 1);
  const closed = await r.remote.line(held, "closed");
  assert.deepEqual({ code: closed.code, reason: closed.reason }, { code: CloseCode.policyViolation, reason: "device token revoked" });

  // 6. The revoked token alone is refused.
  assertRemoteRefused(await r.remote.connect(device, { token: deviceToken, scopes: READ }), UNAUTHORIZED);
});

test("remote refusals before pairing: no gateway token → 'unauthorized' (nothing filed); v1 → 'device nonce required', new or approved", async (t) => {
  const r = await remoteSetup(t);
  if (!r) return;
  const admin = await tokenAdmin(t, r.url);
  const stranger = generateIdentity();
  assertRemoteRefused(await r.remote.connect(stranger, { scopes: READ }), UNAUTHORIZED);
  assertRemoteRefused(await r.remote.connect(stranger, { token: "not-the-gateway-token", scopes: READ }), UNAUTHORIZED);
  assert.deepEqual((await pairList(admin)).pending, [], "an unauthenticated device files no pairing request");

  assertRemoteRefused(await r.remote.connect(generateIdentity(), { token: GATEWAY_TOKEN, scopes: READ, signature: "v1" }), NONCE_REQUIRED);
  const known = generateIdentity();
  await call(admin, "device.pair.approve", { requestId: requestIdOf(await r.remote.connect(known, { token: GATEWAY_TOKEN, scopes: READ })) });
  assertHello((await r.remote.connect(known, { token: GATEWAY_TOKEN, scopes: READ })).res);
  assertRemoteRefused(await r.remote.connect(known, { token: GATEWAY_TOKEN, scopes: READ, signature: "v1" }), NONCE_REQUIRED);
});

const SPOOFS: [string, Record<string, string>][] = [
  ["X-Forwarded-For: 127.0.0.1", { "X-Forwarded-For": "127.0.0.1" }],
  ["Host: localhost", { Host: "localhost" }],
  ["X-Forwarded-For: 127.0.0.1 and Host: localhost", { "X-Forwarded-For": "127.0.0.1", Host: "localhost" }],
  ["Forwarded: for=127.0.0.1 and X-Real-IP: 127.0.0.1", { Forwarded: "for=127.0.0.1", "X-Real-IP": "127.0.0.1" }],
];

for (const [what, headers] of SPOOFS) {
  test(`remote with ${what}: still not local — v1 needs a nonce, v2 is not auto-approved and the real address is recorded`, async (t) => {
    const r = await remoteSetup(t);
    if (!r) return;
    const admin = await tokenAdmin(t, r.url);
    assertRemoteRefused(await r.remote.connect(generateIdentity(), { token: GATEWAY_TOKEN, scopes: READ, signature: "v1", headers }), NONCE_REQUIRED);
    // This gateway auto-approves local devices (the default): a local-looking client would get hello-ok here.
    const device = generateIdentity();
    const requestId = requestIdOf(await r.remote.connect(device, { token: GATEWAY_TOKEN, scopes: READ, headers }));
    const pending = (await pairList(admin)).pending.find((p) => p.requestId === requestId);
    assert.equal(pending?.remoteIp, r.ns.nsIp);
  });
}

test("with the namespace address as a trusted proxy, the same headers still do not make the client local (v1 refused, not auto-approved)", async (t) => {
  const r = await remoteSetup(t, { trustedProxies: (ns) => [ns.nsIp] });
  if (!r) return;
  const headers = { "X-Forwarded-For": "127.0.0.1", Host: "localhost" };
  assertRemoteRefused(await r.remote.connect(generateIdentity(), { token: GATEWAY_TOKEN, scopes: READ, signature: "v1", headers }), NONCE_REQUIRED);
  const admin = await tokenAdmin(t, r.url);
  const requestId = requestIdOf(await r.remote.connect(generateIdentity(), { token: GATEWAY_TOKEN, scopes: READ, headers }));
  // The client's own X-Forwarded-For entry is the right-most untrusted hop: recorded, never local.
  assert.equal((await pairList(admin)).pending.find((p) => p.requestId === requestId)?.remoteIp, "127.0.0.1");
});

test("remote: failed connects are limited per real address; rotating X-Forwarded-For does not reset it; the host side is unaffected", async (t) => {
  const r = await remoteSetup(t, { maxFailures: 3 });
  if (!r) return;
  const device = generateIdentity();
  for (let i = 0; i < 3; i++) {
    const headers = { "X-Forwarded-For": `198.51.100.${i + 1}` };
    assertRemoteRefused(await r.remote.connect(device, { token: `wrong-${i}`, scopes: READ, headers }), UNAUTHORIZED);
  }
  const limited = await r.remote.connect(device, { token: GATEWAY_TOKEN, scopes: READ, headers: { "X-Forwarded-For": "198.51.100.99" } });
  const err = assertRemoteRefused(limited, { code: "RATE_LIMITED", close: "rate limited" });
  assert.equal(err.retryable, true);
  assert.ok((err.retryAfterMs ?? 0) > 0, JSON.stringify(err));
  // 10.200.n.1 (the host side) is another address: not limited.
  await tokenAdmin(t, r.url);
});

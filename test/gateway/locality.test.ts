// Local vs remote: loopback peer + local Host + no forwarding headers (unless via a trusted proxy).
// Non-local clients must sign the challenge nonce and are never auto-approved.
import { test } from "node:test";
import assert from "node:assert/strict";
import { generateIdentity } from "@clawdbot/protocol/client";
import { startGateway } from "../support/gateway.js";
import { connectRaw } from "../support/raw-client.js";
import { PROXY_ADDRESS, startReverseProxy } from "../support/reverse-proxy.js";
import { tryUpgrade } from "../support/upgrade.js";
import { assertHealthy, assertHello, assertRefused, connectVia } from "./refusal.js";

const NONCE_REQUIRED = { code: "INVALID_REQUEST", close: "device nonce required" } as const;
const PAIRING_REQUIRED = { code: "NOT_PAIRED", close: "pairing required" } as const;
const TOKEN = "secret-token-123";

/** The requestId a `pairing required` refusal carries. */
function requestIdOf(err: { details?: unknown }): string {
  const id = (err.details as { requestId?: unknown } | undefined)?.requestId;
  assert.equal(typeof id, "string", `details: ${JSON.stringify(err.details)}`);
  return id as string;
}

test("X-Forwarded-For on a loopback connection (no trusted proxy) is not local: a v1 connect gets 'device nonce required'", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const { client, res } = await connectVia(gw.url, { headers: { "X-Forwarded-For": "1.2.3.4" } }, { nonce: null });
  await assertRefused(client, res, NONCE_REQUIRED);
});

test("X-Forwarded-For on a loopback connection is not auto-approved: a signed v2 connect gets 'pairing required'", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const { client, res } = await connectVia(gw.url, { headers: { "X-Forwarded-For": "1.2.3.4" } });
  const err = await assertRefused(client, res, PAIRING_REQUIRED);
  requestIdOf(err);
});

for (const [header, value] of [
  ["Forwarded", "for=1.2.3.4"],
  ["X-Real-IP", "1.2.3.4"],
  ["X-Forwarded-Host", "gateway.example"],
  ["X-Forwarded-Proto", "https"],
] as const) {
  test(`a ${header} header (no trusted proxy) makes a loopback connection non-local`, async (t) => {
    const gw = await startGateway();
    t.after(() => gw.stop());
    const { client, res } = await connectVia(gw.url, { headers: { [header]: value } }, { nonce: null });
    await assertRefused(client, res, NONCE_REQUIRED);
  });
}

test("Host: evil.example on loopback is refused before the handshake (403), signed or not", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  for (const host of ["evil.example", `evil.example:${gw.port}`]) {
    const out = await tryUpgrade(gw.url, { Host: host });
    assert.equal(out.status, 403, host);
    assert.equal(out.messages, 0);
  }
});

for (const host of ["localhost", "LOCALHOST", "127.0.0.1", "[::1]"]) {
  test(`Host: ${host}:<port> on loopback is local: a v1 connect is accepted`, async (t) => {
    const gw = await startGateway();
    t.after(() => gw.stop());
    const { client, res } = await connectVia(gw.url, { headers: { Host: `${host}:${gw.port}` } }, { nonce: null });
    t.after(() => client.close());
    assertHello(res);
    await assertHealthy(client);
  });
}

test("autoApproveLocal:false: a fresh local device gets NOT_PAIRED with details.requestId, close 'pairing required'", async (t) => {
  const gw = await startGateway({ file: { gateway: { pairing: { autoApproveLocal: false } } } });
  t.after(() => gw.stop());
  const { client, res } = await connectRaw(gw.url);
  const err = await assertRefused(client, res, PAIRING_REQUIRED);
  assert.match(requestIdOf(err), /\S/);
  assert.match(err.message, /approve/);
});

test("autoApproveLocal:false: repeated connects of the same device reuse the same requestId; another device gets its own", async (t) => {
  const gw = await startGateway({ file: { gateway: { pairing: { autoApproveLocal: false } } } });
  t.after(() => gw.stop());
  const identity = generateIdentity();
  const first = await connectRaw(gw.url, { identity });
  const id1 = requestIdOf(await assertRefused(first.client, first.res, PAIRING_REQUIRED));
  const second = await connectRaw(gw.url, { identity });
  const id2 = requestIdOf(await assertRefused(second.client, second.res, PAIRING_REQUIRED));
  assert.equal(id2, id1);
  const other = await connectRaw(gw.url, { identity: generateIdentity() });
  const id3 = requestIdOf(await assertRefused(other.client, other.res, PAIRING_REQUIRED));
  assert.notEqual(id3, id1);
});

test("autoApproveLocal:false: operators see one device.pair.requested for repeated connects, and the request is listed", async (t) => {
  const gw = await startGateway({ flags: { token: TOKEN }, file: { gateway: { pairing: { autoApproveLocal: false } } } });
  t.after(() => gw.stop());
  const admin = await connectRaw(gw.url, { identity: null, token: TOKEN });
  t.after(() => admin.client.close());
  assertHello(admin.res);
  const identity = generateIdentity();
  const first = await connectRaw(gw.url, { identity, token: TOKEN });
  const requestId = requestIdOf(await assertRefused(first.client, first.res, PAIRING_REQUIRED));
  const second = await connectRaw(gw.url, { identity, token: TOKEN });
  assert.equal(requestIdOf(await assertRefused(second.client, second.res, PAIRING_REQUIRED)), requestId);
  const list = await admin.client.request("device.pair.list", {});
  assert.equal(list.ok, true, JSON.stringify(list));
  const pending = (list.payload as { pending: { requestId: string; deviceId: string }[] }).pending;
  assert.deepEqual(
    pending.map((p) => [p.requestId, p.deviceId]),
    [[requestId, identity.deviceId]],
  );
  const events = admin.client.frames.filter((f) => f.type === "event" && f.event === "device.pair.requested");
  assert.equal(events.length, 1, JSON.stringify(events));
  assert.equal((events[0]?.payload as { requestId: string }).requestId, requestId);
});

// ---- trusted proxies ---------------------------------------------------------------------------
// A connection through a trusted proxy is never local: its headers are whatever the client and the
// proxy wrote. The client address is the right-most hop no trusted proxy added (or the configured
// single-address header); a client-supplied loopback address never counts.

const VIA_PROXY = { gateway: { trustedProxies: ["127.0.0.1"] } };
const REMOTE = "203.0.113.7";

/** Pending and paired devices as a local admin (direct, not via the proxy) lists them. */
async function pairingState(gw: { url: string }): Promise<{ pending: { requestId: string; remoteIp?: string }[]; paired: { deviceId: string }[] }> {
  const admin = await connectRaw(gw.url, { scopes: ["operator.admin"] });
  try {
    assertHello(admin.res);
    const list = await admin.client.request("device.pair.list", {});
    assert.equal(list.ok, true, JSON.stringify(list));
    return list.payload as { pending: { requestId: string; remoteIp?: string }[]; paired: { deviceId: string }[] };
  } finally {
    admin.client.close();
  }
}

test("via a trusted proxy, X-Forwarded-For: 127.0.0.1 is not local: v1 gets 'device nonce required'", async (t) => {
  const gw = await startGateway({ file: VIA_PROXY });
  t.after(() => gw.stop());
  const { client, res } = await connectVia(gw.url, { headers: { "X-Forwarded-For": "127.0.0.1" } }, { nonce: null });
  await assertRefused(client, res, NONCE_REQUIRED);
});

test("via a trusted proxy with no forwarding header at all, the connection is not local", async (t) => {
  const gw = await startGateway({ file: VIA_PROXY });
  t.after(() => gw.stop());
  const { client, res } = await connectVia(gw.url, {}, { nonce: null });
  await assertRefused(client, res, NONCE_REQUIRED);
});

test("via a trusted proxy, X-Forwarded-For: 1.2.3.4 is a remote client: v1 gets 'device nonce required'", async (t) => {
  const gw = await startGateway({ file: VIA_PROXY });
  t.after(() => gw.stop());
  const { client, res } = await connectVia(gw.url, { headers: { "X-Forwarded-For": "1.2.3.4" } }, { nonce: null });
  await assertRefused(client, res, NONCE_REQUIRED);
});

test("via a trusted proxy, a client-supplied 'X-Forwarded-For: 127.0.0.1' followed by its real address is not local", async (t) => {
  const gw = await startGateway({ file: VIA_PROXY });
  t.after(() => gw.stop());
  const { client, res } = await connectVia(gw.url, { headers: { "X-Forwarded-For": "127.0.0.1, 1.2.3.4" } }, { nonce: null });
  await assertRefused(client, res, NONCE_REQUIRED);
});

for (const [header, value] of [
  ["X-Real-IP", "1.2.3.4"],
  ["Forwarded", "for=1.2.3.4"],
  ["Forwarded", "for=127.0.0.1"],
  ["Forwarded", 'for="[::1]:8080"'],
  ["X-Real-IP", "127.0.0.1"],
] as const) {
  test(`via a trusted proxy, ${header}: ${value} is not local`, async (t) => {
    const gw = await startGateway({ file: VIA_PROXY });
    t.after(() => gw.stop());
    const { client, res } = await connectVia(gw.url, { headers: { [header]: value } }, { nonce: null });
    await assertRefused(client, res, NONCE_REQUIRED);
  });
}

// The attack: a gateway on loopback with no secret behind nginx with `proxy_set_header X-Real-IP
// $remote_addr;`, which passes the client's own `X-Forwarded-For: 127.0.0.1` (or `Forwarded:
// for=127.0.0.1`) through. The remote client must not be auto-approved as operator.admin.
for (const spoof of [
  { "X-Forwarded-For": "127.0.0.1" },
  { Forwarded: "for=127.0.0.1" },
  { "X-Forwarded-For": "127.0.0.1", Forwarded: "for=127.0.0.1", Host: "localhost" },
]) {
  for (const realIpHeader of [undefined, "x-real-ip", "x-forwarded-for", "forwarded"] as const) {
    test(`X-Real-IP proxy passing ${JSON.stringify(spoof)} through, realIpHeader ${realIpHeader ?? "(default)"}: no v1, no auto-approval`, async (t) => {
      const gw = await startGateway({ file: { gateway: { trustedProxies: [PROXY_ADDRESS], ...(realIpHeader ? { realIpHeader } : {}) } } });
      t.after(() => gw.stop());
      const proxy = await startReverseProxy(gw.port, "x-real-ip", REMOTE);
      t.after(() => proxy.close());
      const v1 = await connectVia(proxy.url, { headers: spoof }, { nonce: null, scopes: ["operator.admin"] });
      await assertRefused(v1.client, v1.res, NONCE_REQUIRED);
      const attacker = generateIdentity();
      const v2 = await connectVia(proxy.url, { headers: spoof }, { identity: attacker, scopes: ["operator.admin"] });
      const requestId = requestIdOf(await assertRefused(v2.client, v2.res, PAIRING_REQUIRED));
      const state = await pairingState(gw);
      assert.equal(state.paired.some((d) => d.deviceId === attacker.deviceId), false, "the remote device was approved");
      const pending = state.pending.find((p) => p.requestId === requestId);
      assert.ok(pending, "the request is pending");
      // Only the header this proxy writes names the real address; another header is the client's
      // word (still never local, but not the address to trust either).
      if (realIpHeader === "x-real-ip") assert.equal(pending.remoteIp, REMOTE);
    });
  }
}

for (const [mode, realIpHeader, spoof] of [
  ["append-x-forwarded-for", "x-forwarded-for", { "X-Forwarded-For": "127.0.0.1" }],
  ["append-forwarded", "forwarded", { Forwarded: "for=127.0.0.1" }],
  ["x-real-ip", "x-real-ip", { "X-Real-IP": "127.0.0.1", "X-Forwarded-For": "127.0.0.1" }],
] as const) {
  test(`a ${mode} proxy (realIpHeader ${realIpHeader}): the client's address is the hop the proxy added, whatever the client claimed`, async (t) => {
    const gw = await startGateway({ file: { gateway: { trustedProxies: [PROXY_ADDRESS], realIpHeader } } });
    t.after(() => gw.stop());
    const proxy = await startReverseProxy(gw.port, mode, REMOTE);
    t.after(() => proxy.close());
    const { client, res } = await connectVia(proxy.url, { headers: spoof }, { scopes: ["operator.admin"] });
    const requestId = requestIdOf(await assertRefused(client, res, PAIRING_REQUIRED));
    assert.equal((await pairingState(gw)).pending.find((p) => p.requestId === requestId)?.remoteIp, REMOTE);
  });
}

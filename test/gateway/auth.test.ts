// Auth: gateway token / password, device tokens, failure rate limiting, and the no-secret bind rule.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError, DeviceStore, resolveConfig } from "@clawdbot/sidecar";
import { generateIdentity } from "@clawdbot/protocol/client";
import { startGateway } from "../support/gateway.js";
import { connectRaw } from "../support/raw-client.js";
import { PROXY_ADDRESS, startReverseProxy } from "../support/reverse-proxy.js";
import { assertHealthy, assertHello, assertRefused, connectVia, flipSignatureBit } from "./refusal.js";

const TOKEN = "secret-token-123";
const PASSWORD = "correct horse battery";
const UNAUTHORIZED = { code: "UNAUTHORIZED", close: "unauthorized" } as const;
const PATHS = { stateDir: "/tmp/clawdbot-resolve-test", configPath: "/tmp/clawdbot-resolve-test/clawdbot.json" };

// ---- token mode -------------------------------------------------------------------------------

test("token mode: a signed device on the gateway host without a token is let in by local approval and gets a device token", async (t) => {
  const gw = await startGateway({ flags: { token: TOKEN } });
  t.after(() => gw.stop());
  const identity = generateIdentity();
  const { client, res } = await connectRaw(gw.url, { identity });
  t.after(() => client.close());
  const hello = assertHello(res);
  assert.ok(hello.auth, "local approval issues a device token");
  await assertHealthy(client);
  const again = await connectRaw(gw.url, { identity, token: hello.auth.deviceToken });
  t.after(() => again.client.close());
  assertHello(again.res);
});

test("token mode: with autoApproveLocal false, a local signed device without a token waits for approval (NOT_PAIRED with its request id)", async (t) => {
  const gw = await startGateway({ flags: { token: TOKEN }, file: { gateway: { pairing: { autoApproveLocal: false } } } });
  t.after(() => gw.stop());
  const identity = generateIdentity();
  const first = await connectRaw(gw.url, { identity });
  const err = await assertRefused(first.client, first.res, { code: "NOT_PAIRED", close: "pairing required" });
  const requestId = (err.details as { requestId: string }).requestId;
  assert.match(err.message, new RegExp(`clawdbot pair approve ${requestId}`));
  assert.ok(await (await DeviceStore.open(gw.stateDir, Date.now)).approve(requestId));
  const { client, res } = await connectRaw(gw.url, { identity });
  t.after(() => client.close());
  assertHello(res);
});

test("token mode: a signed device from another machine without a token is still refused UNAUTHORIZED, and nothing is filed", async (t) => {
  const gw = await startGateway({ flags: { token: TOKEN }, file: { gateway: { trustedProxies: [PROXY_ADDRESS] } } });
  t.after(() => gw.stop());
  const proxy = await startReverseProxy(gw.port, "x-real-ip", "203.0.113.30");
  t.after(() => proxy.close());
  const { client, res } = await connectVia(proxy.url, {}, {});
  await assertRefused(client, res, UNAUTHORIZED);
  assert.deepEqual((await DeviceStore.open(gw.stateDir, Date.now)).listPending(), []);
});

test("token mode: a signed device with a wrong token is refused UNAUTHORIZED, close 1008 'unauthorized'", async (t) => {
  const gw = await startGateway({ flags: { token: TOKEN } });
  t.after(() => gw.stop());
  const { client, res } = await connectRaw(gw.url, { token: "wrong-token-456" });
  await assertRefused(client, res, UNAUTHORIZED);
});

test("token mode: near misses of the token (prefix, suffix, case, whitespace) are all refused", async (t) => {
  const gw = await startGateway({ flags: { token: TOKEN } });
  t.after(() => gw.stop());
  for (const token of [TOKEN.slice(0, -1), `${TOKEN}4`, TOKEN.toUpperCase(), ` ${TOKEN}`, `${TOKEN}\n`, ""]) {
    const { client, res } = await connectRaw(gw.url, { token });
    await assertRefused(client, res, UNAUTHORIZED);
  }
});

test("token mode: a client without device identity and without a token is refused UNAUTHORIZED", async (t) => {
  const gw = await startGateway({ flags: { token: TOKEN } });
  t.after(() => gw.stop());
  const { client, res } = await connectRaw(gw.url, { identity: null });
  await assertRefused(client, res, UNAUTHORIZED);
});

// Exposes a gateway bug: a deviceless connect with a WRONG token is answered "device identity required"
// (and is not counted by the rate limiter) instead of "unauthorized".
test("token mode: a client without device identity and with a wrong token is refused UNAUTHORIZED", async (t) => {
  const gw = await startGateway({ flags: { token: TOKEN } });
  t.after(() => gw.stop());
  const { client, res } = await connectRaw(gw.url, { identity: null, token: "wrong-token-456" });
  await assertRefused(client, res, UNAUTHORIZED);
});

test("token mode: the token sent as auth.password is refused", async (t) => {
  const gw = await startGateway({ flags: { token: TOKEN } });
  t.after(() => gw.stop());
  const { client, res } = await connectRaw(gw.url, { password: TOKEN });
  await assertRefused(client, res, UNAUTHORIZED);
});

test("token mode: a signed device with the right token gets hello-ok with a device token", async (t) => {
  const gw = await startGateway({ flags: { token: TOKEN } });
  t.after(() => gw.stop());
  const { client, res } = await connectRaw(gw.url, { token: TOKEN });
  t.after(() => client.close());
  const hello = assertHello(res);
  assert.ok(hello.auth, "a first approved connect issues a device token");
  assert.equal(hello.auth.role, "operator");
  assert.ok(Buffer.from(hello.auth.deviceToken, "base64url").length >= 32);
  await assertHealthy(client);
});

test("token mode: a client without device identity but with the right token gets hello-ok (no device token)", async (t) => {
  const gw = await startGateway({ flags: { token: TOKEN } });
  t.after(() => gw.stop());
  const { client, res } = await connectRaw(gw.url, { identity: null, token: TOKEN });
  t.after(() => client.close());
  assert.equal(assertHello(res).auth, undefined);
  await assertHealthy(client);
});

test("token mode: the token from CLAWDBOT_GATEWAY_TOKEN is enforced", async (t) => {
  const gw = await startGateway({ env: { CLAWDBOT_GATEWAY_TOKEN: TOKEN } });
  t.after(() => gw.stop());
  const refused = await connectRaw(gw.url, { token: "wrong-token-456" });
  await assertRefused(refused.client, refused.res, UNAUTHORIZED);
  const ok = await connectRaw(gw.url, { token: TOKEN });
  t.after(() => ok.client.close());
  assertHello(ok.res);
});

test("token mode: the token from clawdbot.json gateway.auth.token is enforced", async (t) => {
  const gw = await startGateway({ file: { gateway: { auth: { token: TOKEN } } } });
  t.after(() => gw.stop());
  const refused = await connectRaw(gw.url, { token: "wrong-token-456" });
  await assertRefused(refused.client, refused.res, UNAUTHORIZED);
  const ok = await connectRaw(gw.url, { token: TOKEN });
  t.after(() => ok.client.close());
  assertHello(ok.res);
});

// ---- password mode ----------------------------------------------------------------------------

test("password mode: a signed device on the gateway host without a password is let in by local approval", async (t) => {
  const gw = await startGateway({ flags: { password: PASSWORD } });
  t.after(() => gw.stop());
  const { client, res } = await connectRaw(gw.url);
  t.after(() => client.close());
  assertHello(res);
});

test("password mode: a signed device from another machine without a password is refused UNAUTHORIZED", async (t) => {
  const gw = await startGateway({ flags: { password: PASSWORD }, file: { gateway: { trustedProxies: [PROXY_ADDRESS] } } });
  t.after(() => gw.stop());
  const proxy = await startReverseProxy(gw.port, "x-real-ip", "203.0.113.31");
  t.after(() => proxy.close());
  const { client, res } = await connectVia(proxy.url, {}, {});
  await assertRefused(client, res, UNAUTHORIZED);
});

test("password mode: a signed device with a wrong password is refused UNAUTHORIZED", async (t) => {
  const gw = await startGateway({ flags: { password: PASSWORD } });
  t.after(() => gw.stop());
  const { client, res } = await connectRaw(gw.url, { password: "incorrect horse" });
  await assertRefused(client, res, UNAUTHORIZED);
});

test("password mode: the password sent as auth.token is refused", async (t) => {
  const gw = await startGateway({ flags: { password: PASSWORD } });
  t.after(() => gw.stop());
  const { client, res } = await connectRaw(gw.url, { token: PASSWORD });
  await assertRefused(client, res, UNAUTHORIZED);
});

test("password mode: a client without device identity and without a password is refused UNAUTHORIZED", async (t) => {
  const gw = await startGateway({ flags: { password: PASSWORD } });
  t.after(() => gw.stop());
  const { client, res } = await connectRaw(gw.url, { identity: null });
  await assertRefused(client, res, UNAUTHORIZED);
});

// Exposes the same gateway bug as in token mode: answered "device identity required" instead of "unauthorized".
test("password mode: a client without device identity and with a wrong password is refused UNAUTHORIZED", async (t) => {
  const gw = await startGateway({ flags: { password: PASSWORD } });
  t.after(() => gw.stop());
  const { client, res } = await connectRaw(gw.url, { identity: null, password: "incorrect horse" });
  await assertRefused(client, res, UNAUTHORIZED);
});

test("password mode: a signed device with the right password gets hello-ok with a device token", async (t) => {
  const gw = await startGateway({ flags: { password: PASSWORD } });
  t.after(() => gw.stop());
  const { client, res } = await connectRaw(gw.url, { password: PASSWORD });
  t.after(() => client.close());
  assert.ok(assertHello(res).auth);
  await assertHealthy(client);
});

test("password mode: a client without device identity but with the right password gets hello-ok", async (t) => {
  const gw = await startGateway({ flags: { password: PASSWORD } });
  t.after(() => gw.stop());
  const { client, res } = await connectRaw(gw.url, { identity: null, password: PASSWORD });
  t.after(() => client.close());
  assertHello(res);
  await assertHealthy(client);
});

// ---- device tokens ----------------------------------------------------------------------------

test("token mode: the device token from hello-ok.auth admits the same device later, without the gateway token", async (t) => {
  const gw = await startGateway({ flags: { token: TOKEN } });
  t.after(() => gw.stop());
  const identity = generateIdentity();
  const first = await connectRaw(gw.url, { identity, token: TOKEN });
  first.client.close();
  const deviceToken = assertHello(first.res).auth?.deviceToken;
  assert.ok(deviceToken);
  const again = await connectRaw(gw.url, { identity, token: deviceToken });
  t.after(() => again.client.close());
  assertHello(again.res);
  await assertHealthy(again.client);
});

test("token mode: a device token presented by another device is refused 'unauthorized'", async (t) => {
  const gw = await startGateway({ flags: { token: TOKEN } });
  t.after(() => gw.stop());
  const first = await connectRaw(gw.url, { token: TOKEN });
  first.client.close();
  const deviceToken = assertHello(first.res).auth?.deviceToken;
  assert.ok(deviceToken);
  const thief = await connectRaw(gw.url, { identity: generateIdentity(), token: deviceToken });
  await assertRefused(thief.client, thief.res, UNAUTHORIZED);
});

test("token mode: a device token presented by another device that is itself paired is refused 'unauthorized'", async (t) => {
  const gw = await startGateway({ flags: { token: TOKEN } });
  t.after(() => gw.stop());
  const a = await connectRaw(gw.url, { token: TOKEN });
  a.client.close();
  const other = generateIdentity();
  const b = await connectRaw(gw.url, { identity: other, token: TOKEN });
  b.client.close();
  assertHello(b.res);
  const tokenOfA = assertHello(a.res).auth?.deviceToken;
  assert.ok(tokenOfA);
  const swapped = await connectRaw(gw.url, { identity: other, token: tokenOfA });
  await assertRefused(swapped.client, swapped.res, UNAUTHORIZED);
});

test("token mode: an operator device token does not admit the same device as role node", async (t) => {
  const gw = await startGateway({ flags: { token: TOKEN } });
  t.after(() => gw.stop());
  const identity = generateIdentity();
  const first = await connectRaw(gw.url, { identity, token: TOKEN });
  first.client.close();
  const deviceToken = assertHello(first.res).auth?.deviceToken;
  assert.ok(deviceToken);
  const asNode = await connectRaw(gw.url, { identity, token: deviceToken, role: "node", clientId: "node-host", mode: "node" });
  await assertRefused(asNode.client, asNode.res, UNAUTHORIZED);
});

test("no-secret gateway: a device token works for its device and is refused for another device", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const identity = generateIdentity();
  const first = await connectRaw(gw.url, { identity });
  first.client.close();
  const deviceToken = assertHello(first.res).auth?.deviceToken;
  assert.ok(deviceToken);
  const again = await connectRaw(gw.url, { identity, token: deviceToken });
  t.after(() => again.client.close());
  assertHello(again.res);
  const thief = await connectRaw(gw.url, { token: deviceToken });
  await assertRefused(thief.client, thief.res, UNAUTHORIZED);
});

// ---- rate limiting ----------------------------------------------------------------------------

const LIMITED = { gateway: { authRateLimit: { maxFailures: 3, windowMs: 60_000 } } };

/** Asserts a RATE_LIMITED refusal with a retry hint within the window. */
async function assertRateLimited(c: Awaited<ReturnType<typeof connectRaw>>, windowMs: number): Promise<void> {
  const err = await assertRefused(c.client, c.res, { code: "RATE_LIMITED", close: "rate limited" });
  assert.equal(err.retryable, true);
  assert.equal(typeof err.retryAfterMs, "number");
  assert.ok(err.retryAfterMs !== undefined && err.retryAfterMs > 0 && err.retryAfterMs <= windowMs, JSON.stringify(err));
}

test("rate limit: after 3 failed connects (wrong token) even the right token gets RATE_LIMITED with retryAfterMs", async (t) => {
  const gw = await startGateway({ flags: { token: TOKEN }, file: LIMITED });
  t.after(() => gw.stop());
  for (let i = 0; i < 3; i++) {
    const bad = await connectRaw(gw.url, { token: `wrong-token-${i}` });
    await assertRefused(bad.client, bad.res, UNAUTHORIZED);
  }
  await assertRateLimited(await connectRaw(gw.url, { token: TOKEN }), 60_000);
});

// Exposes a gateway bug: wrong tokens sent without a device block are never counted, so the gateway
// token can be guessed without limit.
test("rate limit: failed connects without device identity (wrong token) also trip the limit", async (t) => {
  const gw = await startGateway({ flags: { token: TOKEN }, file: LIMITED });
  t.after(() => gw.stop());
  for (let i = 0; i < 3; i++) {
    const bad = await connectRaw(gw.url, { identity: null, token: `wrong-token-${i}` });
    assert.equal(bad.res.ok, false);
    await bad.client.closed;
  }
  await assertRateLimited(await connectRaw(gw.url, { identity: null, token: TOKEN }), 60_000);
});

test("rate limit: failed device signatures count as failures too", async (t) => {
  const gw = await startGateway({ file: LIMITED });
  t.after(() => gw.stop());
  for (let i = 0; i < 3; i++) {
    const bad = await connectRaw(gw.url, { signature: (s) => flipSignatureBit(s, i) });
    await assertRefused(bad.client, bad.res, { code: "INVALID_REQUEST", close: "device signature invalid" });
  }
  await assertRateLimited(await connectRaw(gw.url), 60_000);
});

test("rate limit: fewer failures than the limit do not block the right token", async (t) => {
  const gw = await startGateway({ flags: { token: TOKEN }, file: LIMITED });
  t.after(() => gw.stop());
  for (let i = 0; i < 2; i++) {
    const bad = await connectRaw(gw.url, { token: `wrong-token-${i}` });
    await assertRefused(bad.client, bad.res, UNAUTHORIZED);
  }
  const ok = await connectRaw(gw.url, { token: TOKEN });
  t.after(() => ok.client.close());
  assertHello(ok.res);
});

test("rate limit: the limit lifts once the window has passed (gateway clock)", async (t) => {
  let clock = Date.now();
  const gw = await startGateway({ flags: { token: TOKEN }, file: LIMITED, now: () => clock });
  t.after(() => gw.stop());
  for (let i = 0; i < 3; i++) {
    const bad = await connectRaw(gw.url, { token: `wrong-token-${i}`, signedAt: clock });
    await assertRefused(bad.client, bad.res, UNAUTHORIZED);
  }
  await assertRateLimited(await connectRaw(gw.url, { token: TOKEN, signedAt: clock }), 60_000);
  clock += 60_001;
  const ok = await connectRaw(gw.url, { token: TOKEN, signedAt: clock });
  t.after(() => ok.client.close());
  assertHello(ok.res);
});

// ---- the no-secret bind rule --------------------------------------------------------------------

test("resolveConfig: bind lan without a token or password throws ConfigError naming the token", () => {
  assert.throws(
    () => resolveConfig({}, PATHS, {}, { bind: "lan" }),
    (err: unknown) => err instanceof ConfigError && /token/i.test(err.message) && /CLAWDBOT_GATEWAY_TOKEN|--token/.test(err.message),
  );
});

test("resolveConfig: bind lan from clawdbot.json or a LAN IP without a secret throws ConfigError", () => {
  assert.throws(() => resolveConfig({ gateway: { bind: "lan" } }, PATHS, {}), ConfigError);
  assert.throws(() => resolveConfig({}, PATHS, {}, { bind: "192.168.1.10" }), ConfigError);
  assert.throws(() => resolveConfig({}, PATHS, {}, { bind: "0.0.0.0" }), ConfigError);
});

test("resolveConfig: bind lan with a token (flag, env or file) or a password resolves", () => {
  const byFlag = resolveConfig({}, PATHS, {}, { bind: "lan", token: TOKEN });
  assert.equal(byFlag.host, "0.0.0.0");
  assert.equal(byFlag.auth.mode, "token");
  assert.equal(byFlag.auth.token, TOKEN);
  assert.equal(resolveConfig({}, PATHS, { CLAWDBOT_GATEWAY_TOKEN: TOKEN }, { bind: "lan" }).auth.mode, "token");
  assert.equal(resolveConfig({ gateway: { bind: "lan", auth: { token: TOKEN } } }, PATHS, {}).auth.mode, "token");
  assert.equal(resolveConfig({}, PATHS, {}, { bind: "lan", password: PASSWORD }).auth.mode, "password");
});

test("resolveConfig: loopback without a secret resolves with auth mode none", () => {
  const c = resolveConfig({}, PATHS, {});
  assert.equal(c.host, "127.0.0.1");
  assert.equal(c.auth.mode, "none");
  assert.equal(resolveConfig({}, PATHS, {}, { bind: "::1" }).auth.mode, "none");
});

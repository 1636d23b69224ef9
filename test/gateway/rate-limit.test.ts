// Failed connects are limited per client address, the address chosen by the locality rule (never a
// header the client controls), and attempts in flight count, so a parallel burst cannot overrun it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { startGateway } from "../support/gateway.js";
import { RawClient, connectParams, connectRaw } from "../support/raw-client.js";
import { PROXY_ADDRESS, startReverseProxy, type ProxyMode } from "../support/reverse-proxy.js";
import { assertHello, connectVia } from "./refusal.js";

const TOKEN = "rate-limit-gateway-token";

/** The error code a finished connect got (or "hello-ok"), after its socket closed. */
function outcome(res: { ok?: boolean; error?: { code: string } }): string {
  return res.ok === true ? "hello-ok" : (res.error?.code ?? "none");
}

function tally(codes: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of codes) out[c] = (out[c] ?? 0) + 1;
  return out;
}

for (const [mode, realIpHeader] of [
  ["x-real-ip", "x-real-ip"],
  ["append-x-forwarded-for", "x-forwarded-for"],
  ["append-forwarded", "forwarded"],
] as [ProxyMode, "x-real-ip" | "x-forwarded-for" | "forwarded"][]) {
  test(`through a ${mode} proxy, 60 wrong tokens with a new X-Forwarded-For/Forwarded each time: limited after 20`, async (t) => {
    const gw = await startGateway({ flags: { token: TOKEN }, file: { gateway: { trustedProxies: [PROXY_ADDRESS], realIpHeader } } });
    t.after(() => gw.stop());
    const proxy = await startReverseProxy(gw.port, mode, "203.0.113.9");
    t.after(() => proxy.close());
    const codes: string[] = [];
    for (let i = 0; i < 60; i++) {
      const spoof = { "X-Forwarded-For": `198.51.100.${i + 1}`, Forwarded: `for=198.51.100.${i + 1}`, "X-Real-IP": `198.51.100.${i + 1}` };
      const { client, res } = await connectVia(proxy.url, { headers: spoof }, { token: `wrong-${i}` });
      codes.push(outcome(res));
      await client.closed;
    }
    assert.deepEqual(tally(codes), { UNAUTHORIZED: 20, RATE_LIMITED: 40 });
    assert.deepEqual(codes.slice(0, 20), Array(20).fill("UNAUTHORIZED"));
    // The right token from that client is limited too; a client behind the same proxy with another address is not.
    const limited = await connectVia(proxy.url, {}, { token: TOKEN });
    assert.equal(outcome(limited.res), "RATE_LIMITED");
    proxy.clientAddress = "203.0.113.10";
    const other = await connectVia(proxy.url, {}, { token: TOKEN });
    t.after(() => other.client.close());
    // Not local (via a proxy), so a fresh device waits for pairing: what matters is that it is not limited.
    assert.equal(outcome(other.res), "NOT_PAIRED");
  });
}

test("500 parallel wrong-token connects with a device signature: exactly 20 are checked, 480 are rate limited", async (t) => {
  // Generous timeouts: on a loaded machine opening 500 sockets must not run into the handshake limit.
  const gw = await startGateway({ flags: { token: TOKEN }, file: { gateway: { handshakeTimeoutMs: 120_000 } } });
  t.after(() => gw.stop());
  // Every socket is open and challenged first; then all 500 signed connects leave at once.
  const sockets = await Promise.all(
    Array.from({ length: 500 }, async () => {
      const client = await RawClient.open(gw.url);
      return { client, nonce: ((await client.next((f) => f.event === "connect.challenge", 120_000)).payload as { nonce: string }).nonce };
    }),
  );
  const pending = sockets.map(({ client, nonce }, i) => client.request("connect", connectParams({ token: `wrong-token-${i}`, nonce }), 120_000));
  const results = (await Promise.all(pending)).map(outcome);
  await Promise.all(sockets.map(({ client }) => client.closed));
  assert.deepEqual(tally(results), { UNAUTHORIZED: 20, RATE_LIMITED: 480 });
});

test("100 parallel connects with the right token from one address all get hello-ok (a burst is queued, not refused)", async (t) => {
  const gw = await startGateway({ flags: { token: TOKEN } });
  t.after(() => gw.stop());
  // Secret-only local connects: nothing is written to the pairing store, so only the limiter is exercised.
  const conns = await Promise.all(Array.from({ length: 100 }, () => connectRaw(gw.url, { identity: null, token: TOKEN })));
  t.after(() => conns.forEach((c) => c.client.close()));
  for (const c of conns) assertHello(c.res);
});

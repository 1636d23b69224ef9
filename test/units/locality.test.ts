// classifyPeer without sockets: which connections are local and which address a client has.
import { test } from "node:test";
import assert from "node:assert/strict";
import { classifyPeer } from "@clawdbot/sidecar";

const NO_PROXY = { trustedProxies: [], realIpHeader: "x-forwarded-for" } as const;
const proxy = (trustedProxies: string[], realIpHeader: "x-forwarded-for" | "forwarded" | "x-real-ip" = "x-forwarded-for") => ({ trustedProxies, realIpHeader });

test("a loopback peer with a local Host and no forwarding header is local", () => {
  assert.deepEqual(classifyPeer("127.0.0.1", { host: "127.0.0.1:1" }, NO_PROXY), { remoteIp: "127.0.0.1", isLocal: true, viaProxy: false });
  assert.deepEqual(classifyPeer("::ffff:127.0.0.1", { host: "localhost:1" }, NO_PROXY), { remoteIp: "127.0.0.1", isLocal: true, viaProxy: false });
  assert.equal(classifyPeer("::1", { host: "[::1]:1" }, NO_PROXY).isLocal, true);
});

test("without a trusted proxy any forwarding header, a foreign Host or a non-loopback peer is not local", () => {
  for (const h of ["x-forwarded-for", "forwarded", "x-real-ip", "x-forwarded-host", "x-forwarded-proto"]) {
    assert.deepEqual(classifyPeer("127.0.0.1", { host: "127.0.0.1", [h]: "127.0.0.1" }, NO_PROXY), { remoteIp: "127.0.0.1", isLocal: false, viaProxy: false }, h);
  }
  assert.equal(classifyPeer("127.0.0.1", { host: "evil.example" }, NO_PROXY).isLocal, false);
  assert.equal(classifyPeer("127.0.0.1", {}, NO_PROXY).isLocal, false);
  assert.equal(classifyPeer("10.0.0.2", { host: "127.0.0.1" }, NO_PROXY).isLocal, false);
  // An untrusted peer's headers never choose its address.
  assert.equal(classifyPeer("10.0.0.2", { host: "gw", "x-forwarded-for": "1.2.3.4" }, NO_PROXY).remoteIp, "10.0.0.2");
});

test("through a trusted proxy nothing is local, whatever the headers claim", () => {
  const p = proxy(["127.0.0.1"]);
  const claims = [
    {},
    { "x-forwarded-for": "127.0.0.1" },
    { "x-forwarded-for": "::1" },
    { forwarded: "for=127.0.0.1" },
    { forwarded: 'for="[::1]:1234"' },
    { "x-real-ip": "127.0.0.1" },
    { "x-real-ip": "1.2.3.4", "x-forwarded-for": "127.0.0.1" },
  ];
  for (const headers of claims) {
    for (const header of ["x-forwarded-for", "forwarded", "x-real-ip"] as const) {
      const peer = classifyPeer("127.0.0.1", { host: "localhost", ...headers }, proxy(["127.0.0.1"], header));
      assert.equal(peer.isLocal, false, `${JSON.stringify(headers)} via ${header}`);
      assert.equal(peer.viaProxy, true);
    }
  }
  assert.equal(classifyPeer("127.0.0.1", { host: "localhost" }, p).isLocal, false);
});

test("X-Forwarded-For: the client is the right-most hop that is not a trusted proxy", () => {
  const p = proxy(["10.0.0.9", "10.1.0.0/16"]);
  const ip = (xff: string) => classifyPeer("10.0.0.9", { host: "gw", "x-forwarded-for": xff }, p).remoteIp;
  assert.equal(ip("203.0.113.5"), "203.0.113.5");
  assert.equal(ip("127.0.0.1, 203.0.113.5"), "203.0.113.5");
  assert.equal(ip("6.6.6.6, 203.0.113.5, 10.1.2.3"), "203.0.113.5");
  // Only trusted hops: no client address can be read; the proxy's own address is used.
  assert.equal(ip("10.0.0.9"), "10.0.0.9");
  assert.equal(ip("10.1.2.3, 10.0.0.9"), "10.0.0.9");
  // Garbage at the first untrusted position: unreadable, never a guess further left.
  assert.equal(ip("127.0.0.1, unknown"), "10.0.0.9");
  assert.equal(ip("::ffff:203.0.113.5"), "203.0.113.5");
});

test("Forwarded (RFC 7239): the right-most untrusted for= value, quoted IPv6 and ports handled", () => {
  const p = proxy(["10.0.0.9"], "forwarded");
  const ip = (fwd: string) => classifyPeer("10.0.0.9", { host: "gw", forwarded: fwd }, p).remoteIp;
  assert.equal(ip("for=203.0.113.5"), "203.0.113.5");
  assert.equal(ip('for=127.0.0.1, for="[2001:db8::1]:4711";proto=https'), "2001:db8::1");
  assert.equal(ip("for=127.0.0.1;proto=http, for=203.0.113.5:80"), "203.0.113.5");
  assert.equal(ip("for=_hidden"), "10.0.0.9");
  assert.equal(ip("proto=https"), "10.0.0.9");
  // X-Forwarded-For is not read when Forwarded is the configured header.
  assert.equal(classifyPeer("10.0.0.9", { host: "gw", "x-forwarded-for": "1.2.3.4" }, p).remoteIp, "10.0.0.9");
});

test("X-Real-IP: one address set by the proxy; a list or garbage is not believed", () => {
  const p = proxy(["10.0.0.9"], "x-real-ip");
  const ip = (headers: Record<string, string>) => classifyPeer("10.0.0.9", { host: "gw", ...headers }, p).remoteIp;
  assert.equal(ip({ "x-real-ip": "203.0.113.5", "x-forwarded-for": "1.2.3.4" }), "203.0.113.5");
  assert.equal(ip({ "x-real-ip": "203.0.113.5, 1.2.3.4" }), "10.0.0.9");
  assert.equal(ip({ "x-real-ip": "nope" }), "10.0.0.9");
  assert.equal(ip({ "x-forwarded-for": "1.2.3.4" }), "10.0.0.9");
});

test("trusted proxies match by CIDR range and IPv4-mapped peers", () => {
  const p = proxy(["192.168.0.0/16", "fd00::/8"]);
  assert.equal(classifyPeer("::ffff:192.168.4.4", { host: "gw", "x-forwarded-for": "203.0.113.5" }, p).remoteIp, "203.0.113.5");
  assert.equal(classifyPeer("fd12::1", { host: "gw", "x-forwarded-for": "203.0.113.5" }, p).remoteIp, "203.0.113.5");
  assert.equal(classifyPeer("192.169.0.1", { host: "gw", "x-forwarded-for": "203.0.113.5" }, p).remoteIp, "192.169.0.1");
});

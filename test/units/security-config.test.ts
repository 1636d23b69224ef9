// Config keys of the security settings: validated when the file is read, explained when wrong.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError, parseConfigText, resolveConfig } from "@clawdbot/sidecar";

const paths = { stateDir: "/tmp/x", configPath: "/tmp/x/clawdbot.json" };
const resolve = (text: string) => resolveConfig(parseConfigText("c.json5", text), paths, {});

test("gateway.trustedProxies takes addresses and CIDR ranges; anything else is named in the error", () => {
  assert.deepEqual(resolve('{ gateway: { trustedProxies: ["127.0.0.2", "10.0.0.0/8", "fd00::/8", "::1"] } }').trustedProxies, [
    "127.0.0.2",
    "10.0.0.0/8",
    "fd00::/8",
    "::1",
  ]);
  for (const bad of ["proxy.example", "10.0.0.0/33", "1.2.3.4/", "1.2.3.4/8/8", "*"]) {
    assert.throws(
      () => resolve(`{ gateway: { trustedProxies: [${JSON.stringify(bad)}] } }`),
      (e: Error) => e instanceof ConfigError && e.message.includes("gateway.trustedProxies") && e.message.includes(JSON.stringify(bad)),
      bad,
    );
  }
});

test("gateway.realIpHeader is one of x-forwarded-for (default), forwarded, x-real-ip", () => {
  assert.equal(resolve("{}").realIpHeader, "x-forwarded-for");
  assert.equal(resolve('{ gateway: { realIpHeader: "x-real-ip" } }').realIpHeader, "x-real-ip");
  assert.equal(resolve('{ gateway: { realIpHeader: "forwarded" } }').realIpHeader, "forwarded");
  assert.throws(() => parseConfigText("c.json5", '{ gateway: { realIpHeader: "cf-connecting-ip" } }'), (e: Error) => e instanceof ConfigError && /realIpHeader/.test(e.message));
});

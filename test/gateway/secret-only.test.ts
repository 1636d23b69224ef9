// Connections with the gateway secret and no device identity: fine on this machine; from another
// machine only when gateway.auth.allowSecretOnly is set, and then logged and tagged in presence.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseConfigText, redactedConfig, resolveConfig } from "@clawdbot/sidecar";
import { startGateway } from "../support/gateway.js";
import { connectRaw } from "../support/raw-client.js";
import { PROXY_ADDRESS, startReverseProxy } from "../support/reverse-proxy.js";
import { assertHello, assertRefused, connectVia } from "./refusal.js";

const TOKEN = "secret-only-gateway-token";
const IDENTITY_REQUIRED = { code: "INVALID_REQUEST", close: "device identity required" } as const;
/** What makes a loopback connection non-local without a proxy: a forwarding header. */
const REMOTE_HEADERS = { headers: { "X-Forwarded-For": "203.0.113.20" } };

test("a non-local secret-only connect is refused 'device identity required', for every scope", async (t) => {
  const gw = await startGateway({ flags: { token: TOKEN } });
  t.after(() => gw.stop());
  for (const scopes of [["operator.admin"], ["operator.read"], []]) {
    const { client, res } = await connectVia(gw.url, REMOTE_HEADERS, { identity: null, token: TOKEN, scopes });
    const err = await assertRefused(client, res, IDENTITY_REQUIRED);
    assert.match(err.message, /allowSecretOnly/);
  }
});

test("through a trusted proxy a secret-only connect is refused too", async (t) => {
  const gw = await startGateway({ flags: { token: TOKEN }, file: { gateway: { trustedProxies: [PROXY_ADDRESS] } } });
  t.after(() => gw.stop());
  const proxy = await startReverseProxy(gw.port, "append-x-forwarded-for", "203.0.113.21");
  t.after(() => proxy.close());
  const { client, res } = await connectVia(proxy.url, {}, { identity: null, token: TOKEN, scopes: ["operator.admin"] });
  await assertRefused(client, res, IDENTITY_REQUIRED);
});

test("a local secret-only connect is accepted and tagged secret-only in presence", async (t) => {
  const gw = await startGateway({ flags: { token: TOKEN } });
  t.after(() => gw.stop());
  const { client, res } = await connectRaw(gw.url, { identity: null, token: TOKEN, scopes: ["operator.admin"], instanceId: "local-1" });
  t.after(() => client.close());
  assertHello(res);
  const presence = await client.request("system-presence");
  const me = (presence.payload as { instanceId?: string; tags?: string[]; deviceId?: string }[]).find((p) => p.instanceId === "local-1");
  assert.deepEqual(me?.tags, ["secret-only"]);
  assert.equal(me?.deviceId, undefined);
  // system-event cannot drop the tag.
  const ev = await client.request("system-event", { text: "hi", tags: ["laptop"] });
  assert.equal(ev.ok, true, JSON.stringify(ev));
  const after = ((await client.request("system-presence")).payload as { instanceId?: string; tags?: string[] }[]).find((p) => p.instanceId === "local-1");
  assert.deepEqual(after?.tags, ["laptop", "secret-only"]);
});

test("gateway.auth.allowSecretOnly: a non-local secret-only connect is let in, logged with its address and tagged in presence", async (t) => {
  const gw = await startGateway({ flags: { token: TOKEN }, file: { gateway: { auth: { allowSecretOnly: true } } } });
  t.after(() => gw.stop());
  const { client, res } = await connectVia(gw.url, REMOTE_HEADERS, { identity: null, token: TOKEN, scopes: ["operator.read"], instanceId: "remote-1" });
  t.after(() => client.close());
  assertHello(res);
  const presence = await client.request("system-presence");
  const me = (presence.payload as { instanceId?: string; tags?: string[]; ip?: string }[]).find((p) => p.instanceId === "remote-1");
  assert.deepEqual(me?.tags, ["secret-only"]);
  assert.equal(me?.ip, "127.0.0.1");
  const logged = gw.logs.tail(undefined, 1000, 1 << 20).lines.filter((l) => l.includes("secret-only connection from another machine"));
  assert.equal(logged.length, 1, "one warning per such connect");
  assert.match(logged[0]!, /"ip":"127\.0\.0\.1"/);
  assert.match(logged[0]!, /"instanceId":"remote-1"/);
  // A wrong secret is still a failure, not an identity question.
  const bad = await connectVia(gw.url, REMOTE_HEADERS, { identity: null, token: "wrong-token-123" });
  await assertRefused(bad.client, bad.res, { code: "UNAUTHORIZED", close: "unauthorized" });
});

test("config: gateway.auth.allowSecretOnly is a boolean, off by default, not redacted", () => {
  const paths = { stateDir: "/tmp/x", configPath: "/tmp/x/c.json" };
  assert.equal(resolveConfig({}, paths, {}).auth.allowSecretOnly, false);
  const file = parseConfigText("c", '{ gateway: { auth: { token: "0123456789", allowSecretOnly: true } } }');
  assert.equal(resolveConfig(file, paths, {}).auth.allowSecretOnly, true);
  assert.deepEqual((redactedConfig(file) as { gateway: { auth: unknown } }).gateway.auth, { token: "[redacted]", allowSecretOnly: true });
  assert.throws(() => parseConfigText("c", "{ gateway: { auth: { allowSecretOnly: 1 } } }"), /allowSecretOnly/);
});

// Live configuration over the wire: config.get reads the file as it is (secrets redacted, comments
// kept), config.set/patch/apply write it only against the version the caller read (baseHash),
// validated (errors name the key path and the file), atomically, applied like SIGHUP, and say what
// took effect now and what waits for a restart. Secrets are never sent to a client.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFile, stat, writeFile } from "node:fs/promises";
import type { Result } from "@clawdbot/protocol";
import { startGateway, type StartOptions, type TestGateway } from "../support/gateway.js";
import { connectRaw, type RawClient } from "../support/raw-client.js";
import { call } from "../channels/harness.js";
import { refused, texts } from "../sessions/support.js";

const GATEWAY_TOKEN = "gw-token-0123456789abcdef";
const BOT_TOKEN = "7000001:BOT-SECRET-abcdefghijklmnop";

/** A commented JSON5 file with two secrets (the Telegram channel is off, so it needs no fake). */
const FILE = `// My gateway
{
  "gateway": {
    "auth": { "token": "${GATEWAY_TOKEN}" }, // keep this private
  },
  "heartbeat": { "intervalMs": 1800000 },
  "channels": { "telegram": { "enabled": false, "botToken": "${BOT_TOKEN}" } },
}
`;

async function gateway(t: TestContext, text = FILE, opts: StartOptions = {}): Promise<{ gw: TestGateway; c: RawClient; path: string }> {
  const gw = await startGateway({ ...opts, configText: text, flags: { token: GATEWAY_TOKEN } });
  t.after(() => gw.stop());
  const path = `${gw.stateDir}/clawdbot.json`;
  const { client, res } = await connectRaw(gw.url, { token: GATEWAY_TOKEN, mode: "ui" });
  assert.equal(res.ok, true, JSON.stringify(res));
  t.after(() => client.close());
  return { gw, c: client, path };
}

function assertNoSecrets(c: RawClient, gw: TestGateway): void {
  const wire = JSON.stringify(c.frames);
  for (const s of [GATEWAY_TOKEN, BOT_TOKEN, "BOT-SECRET"]) assert.ok(!wire.includes(s), `a secret (${s.slice(0, 8)}…) reached the client`);
  const logs = gw.logs.tail(undefined, 5000, 10_000_000).lines.join("\n");
  assert.ok(!logs.includes(BOT_TOKEN) && !logs.includes(GATEWAY_TOKEN), "a secret was logged");
}

test("config.get: the file as it is on disk with its hash, secrets redacted in the text (comments kept) and in the parsed form", async (t) => {
  const { gw, c, path } = await gateway(t);
  const res = await call<Result<"config.get">>(c, "config.get");
  assert.equal(res.path, path);
  assert.equal(res.exists, true);
  assert.equal(res.hash, createHash("sha256").update(FILE).digest("hex"));
  assert.equal(res.valid, true);
  assert.deepEqual(res.issues, []);
  assert.equal(res.raw, FILE.replace(GATEWAY_TOKEN, "[redacted]").replace(BOT_TOKEN, "[redacted]"));
  assert.match(res.raw ?? "", /\/\/ keep this private/);
  assert.deepEqual(res.parsed, {
    gateway: { auth: { token: "[redacted]" } },
    heartbeat: { intervalMs: 1_800_000 },
    channels: { telegram: { enabled: false, botToken: "[redacted]" } },
  });
  assert.deepEqual(res.config, res.parsed);
  assert.deepEqual(res.warnings, []);
  // Edited behind the gateway's back and not reloaded: said as a warning.
  await writeFile(path, FILE.replace("1800000", "1700000"));
  const edited = await call<Result<"config.get">>(c, "config.get");
  assert.ok(edited.warnings.some((w) => /differs from the configuration the gateway runs with/.test(w.message)), JSON.stringify(edited.warnings));
  assertNoSecrets(c, gw);
});

test("config.get on an invalid file: valid false, the issues by key path; unparseable text is not shown", async (t) => {
  const { gw, c, path } = await gateway(t);
  await writeFile(path, `{ heartbeat: { intervalMs: 5 }, gateway: { auth: { token: "${GATEWAY_TOKEN}" }, prot: 1 } }`);
  const res = await call<Result<"config.get">>(c, "config.get");
  assert.equal(res.valid, false);
  assert.ok(res.issues.length >= 1);
  assert.ok(res.issues.some((i) => i.path === "heartbeat.intervalMs" || i.path === "gateway.prot"), JSON.stringify(res.issues));
  assert.doesNotMatch(res.raw ?? "", new RegExp(GATEWAY_TOKEN));
  await writeFile(path, `{ "gateway": { "auth": { "token": "${GATEWAY_TOKEN}" } `);
  const broken = await call<Result<"config.get">>(c, "config.get");
  assert.deepEqual([broken.valid, broken.raw, broken.parsed], [false, null, null]);
  assert.equal(broken.issues[0]!.path, "(file)");
  assertNoSecrets(c, gw);
});

test("config.patch merges into the file (comments kept), applies it live, and says so; the file stays private", async (t) => {
  const { gw, c, path } = await gateway(t);
  const { hash } = await call<Result<"config.get">>(c, "config.get");
  const res = await call<Result<"config.patch">>(c, "config.patch", { raw: JSON.stringify({ heartbeat: { intervalMs: 600_000 }, logging: { level: "debug" } }), baseHash: hash });
  assert.deepEqual(res.changed.sort(), ["heartbeat.intervalMs", "logging.level"]);
  assert.deepEqual(res.live.sort(), ["heartbeat.intervalMs", "logging.level"]);
  assert.deepEqual([res.restartRequired, res.restart], [[], { scheduled: false }]);
  assert.deepEqual(res.warnings, []);
  const text = await readFile(path, "utf8");
  assert.match(text, /\/\/ My gateway/);
  assert.match(text, /\/\/ keep this private/);
  assert.match(text, new RegExp(`"token": "${GATEWAY_TOKEN}"`), "the secret itself stays in the file");
  assert.equal(res.hash, createHash("sha256").update(text).digest("hex"));
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  // Applied like SIGHUP: the health snapshot carries the new interval.
  const health = await call<{ heartbeat: { intervalMs: number } }>(c, "health");
  assert.equal(health.heartbeat.intervalMs, 600_000);
  // null removes a key.
  const removed = await call<Result<"config.patch">>(c, "config.patch", { raw: '{ "logging": null }', baseHash: res.hash });
  assert.deepEqual(removed.changed, ["logging.level"]);
  assert.doesNotMatch(await readFile(path, "utf8"), /logging/);
  assertNoSecrets(c, gw);
});

test("two clients patch with the same baseHash at once: one wins, the other gets CONFLICT and changes nothing", async (t) => {
  const { gw, c, path } = await gateway(t);
  const { client: other } = await connectRaw(gw.url, { token: GATEWAY_TOKEN, mode: "ui" });
  t.after(() => other.close());
  const { hash } = await call<Result<"config.get">>(c, "config.get");
  const [a, b] = await Promise.all([
    c.request("config.patch", { raw: '{ "heartbeat": { "intervalMs": 60000 } }', baseHash: hash }),
    other.request("config.patch", { raw: '{ "heartbeat": { "intervalMs": 120000 } }', baseHash: hash }),
  ]);
  const outcomes = [a, b].map((r) => (r.ok ? "ok" : r.error?.code));
  assert.deepEqual(outcomes.sort(), ["CONFLICT", "ok"]);
  const loser = a.ok ? b : a;
  assert.match(loser.error?.message ?? "", /changed since you read it/);
  const winner = a.ok ? 60_000 : 120_000;
  assert.match(await readFile(path, "utf8"), new RegExp(`"intervalMs": ${winner}\\b`));
  assert.equal((await call<{ heartbeat: { intervalMs: number } }>(c, "health")).heartbeat.intervalMs, winner);
});

test("writes without a baseHash while the file exists, or with a stale one, are refused with CONFLICT", async (t) => {
  const { c, path } = await gateway(t);
  await refused(c, "config.patch", { raw: '{ "heartbeat": { "enabled": false } }' }, "CONFLICT", /exists: pass baseHash/);
  await refused(c, "config.set", { raw: "{}" }, "CONFLICT", /exists: pass baseHash/);
  await refused(c, "config.apply", { raw: "{}", baseHash: "0".repeat(64) }, "CONFLICT", /changed since you read it/);
  assert.equal(await readFile(path, "utf8"), FILE);
});

test("an invalid value is refused naming the key path and the file; nothing is written or applied", async (t) => {
  const { gw, c, path } = await gateway(t);
  const { hash } = await call<Result<"config.get">>(c, "config.get");
  await refused(c, "config.patch", { raw: '{ "heartbeat": { "intervalMs": 5 } }', baseHash: hash }, "INVALID_REQUEST", new RegExp(`${path}: invalid config: heartbeat\\.intervalMs must be at least 1000`));
  await refused(c, "config.patch", { raw: '{ "gateway": { "prot": 1 } }', baseHash: hash }, "INVALID_REQUEST", /gateway\.prot is not a setting of gateway \(did you mean port\?\)/);
  await refused(c, "config.set", { raw: "{ not json", baseHash: hash }, "INVALID_REQUEST", /raw is not valid JSON5/);
  // Valid for the schema, refused by the gateway's own rules: a LAN bind without a secret.
  const lan = await c.request("config.set", { raw: '{ "gateway": { "bind": "lan" } }', baseHash: hash });
  assert.equal(lan.ok, true, "a token is given by flag, so lan is fine");
  assert.equal(await readFile(path, "utf8"), '{ "gateway": { "bind": "lan" } }');
  const short = await c.request("config.set", { raw: `{ "gateway": { "auth": { "token": "short" } } }`, baseHash: createHash("sha256").update('{ "gateway": { "bind": "lan" } }').digest("hex") });
  assert.equal(short.error?.code, "INVALID_REQUEST");
  assert.match(short.error?.message ?? "", /gateway\.auth\.token must be at least 8 characters long/);
  assert.equal((await call<{ heartbeat: { intervalMs: number } }>(c, "health")).heartbeat.intervalMs, 30 * 60_000);
  assertNoSecrets(c, gw);
});

test("changes that need a restart are reported as such; a gateway that cannot restart itself says so", async (t) => {
  const { c } = await gateway(t);
  const { hash } = await call<Result<"config.get">>(c, "config.get");
  const res = await call<Result<"config.patch">>(c, "config.patch", {
    raw: JSON.stringify({ gateway: { port: 18999, allowedOrigins: ["https://ui.example"] }, channels: { telegram: { dmPolicy: "open" } } }),
    baseHash: hash,
    restartDelayMs: 1000,
  });
  assert.deepEqual(res.restartRequired, ["gateway.port"]);
  assert.deepEqual(res.live.sort(), ["channels.telegram.dmPolicy", "gateway.allowedOrigins"]);
  assert.equal(res.restart.scheduled, false);
  assert.match(res.restart.reason ?? "", /without a way to restart itself/);
  const noDelay = await call<Result<"config.patch">>(c, "config.patch", { raw: '{ "gateway": { "tls": { "enabled": false } } }', baseHash: res.hash });
  assert.deepEqual(noDelay.restartRequired, ["gateway.tls.enabled"]);
  assert.match(noDelay.restart.reason ?? "", /restart the gateway to apply gateway\.tls\.enabled \(or pass restartDelayMs\)/);
});

test("config.set with the redacted text keeps the stored secrets and the comments; a marker where no secret is stored is refused", async (t) => {
  const { gw, c, path } = await gateway(t);
  const got = await call<Result<"config.get">>(c, "config.get");
  const edited = got.raw!.replace('"intervalMs": 1800000', '"intervalMs": 900000');
  const res = await call<Result<"config.set">>(c, "config.set", { raw: edited, baseHash: got.hash });
  assert.deepEqual(res.changed, ["heartbeat.intervalMs"]);
  const text = await readFile(path, "utf8");
  assert.equal(text, FILE.replace('"intervalMs": 1800000', '"intervalMs": 900000'));
  assert.deepEqual(res.config, { ...got.parsed, heartbeat: { intervalMs: 900_000 } });

  // The marker at a key that holds no secret would store the marker itself: refused.
  await refused(c, "config.set", { raw: '{ "gateway": { "auth": { "password": "[redacted]" } } }', baseHash: res.hash }, "INVALID_REQUEST", /gateway\.auth\.password: "\[redacted\]" is the placeholder/);
  // A patch may leave the marker at a secret: it means "unchanged".
  const patched = await call<Result<"config.patch">>(c, "config.patch", { raw: JSON.stringify({ channels: { telegram: { botToken: "[redacted]", dmPolicy: "allowlist" } } }), baseHash: res.hash });
  assert.deepEqual(patched.changed, ["channels.telegram.dmPolicy"]);
  assert.match(await readFile(path, "utf8"), new RegExp(BOT_TOKEN.replace(/[-:]/g, "\\$&")));
  assertNoSecrets(c, gw);
});

test("a JSON5 file with unquoted keys is patched too (re-written as JSON, with a warning)", async (t) => {
  const { c, path } = await gateway(t, "{ heartbeat: { enabled: true }, // quick\n}\n");
  const { hash } = await call<Result<"config.get">>(c, "config.get");
  const res = await call<Result<"config.patch">>(c, "config.patch", { raw: "{ heartbeat: { enabled: false } }", baseHash: hash });
  assert.deepEqual(res.changed, ["heartbeat.enabled"]);
  assert.match(res.warnings.join(" "), /comments and layout were not kept/);
  assert.deepEqual(JSON.parse(await readFile(path, "utf8")), { heartbeat: { enabled: false } });
  assert.equal((await call<{ heartbeat: { enabled: boolean } }>(c, "health")).heartbeat.enabled, false);
});

test("with no file yet, the first write needs no baseHash and creates it; sessionKey gets a note of what happened", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const { client: c } = await connectRaw(gw.url, { mode: "ui" });
  t.after(() => c.close());
  const got = await call<Result<"config.get">>(c, "config.get");
  assert.deepEqual([got.exists, got.hash, got.raw], [false, "", null]);
  const res = await call<Result<"config.apply">>(c, "config.apply", { raw: '{ "heartbeat": { "intervalMs": 60000 } }', sessionKey: "main", note: "faster heartbeats" });
  assert.deepEqual(res.live, ["heartbeat.intervalMs"]);
  assert.equal(await readFile(`${gw.stateDir}/clawdbot.json`, "utf8"), '{ "heartbeat": { "intervalMs": 60000 } }');
  assert.deepEqual(await texts(c, "main"), ["assistant: Configuration changed (faster heartbeats). Applied now: heartbeat.intervalMs."]);
});

test("config.schema: the JSON Schema with form hints (labels, help, secrets, order, restart) and when it was made", async (t) => {
  const { c } = await gateway(t);
  const res = await call<Result<"config.schema">>(c, "config.schema");
  assert.ok(!Number.isNaN(Date.parse(res.generatedAt)));
  const h = res.uiHints;
  assert.deepEqual(h["gateway.auth.token"]?.sensitive, true);
  assert.deepEqual(h["channels.telegram.botToken"]?.sensitive, true);
  assert.equal(h["heartbeat.intervalMs"]?.sensitive, undefined);
  assert.equal(h["heartbeat.intervalMs"]?.label, "Interval (ms)");
  assert.equal(h["channels.telegram.botToken"]?.label, "Bot token");
  assert.equal(h["gateway.port"]?.restartRequired, true);
  assert.equal(h["heartbeat.enabled"]?.restartRequired, undefined);
  assert.match(h["gateway.trustedProxies"]?.help ?? "", /reverse proxies/);
  assert.equal(h["gateway.trustedProxies"]?.advanced, true);
  assert.equal(h["cron.catchUp"]?.group, "cron");
  const orders = Object.values(h).map((x) => x.order);
  assert.equal(new Set(orders).size, orders.length, "every key has its own place");
  // Every key of the schema has a hint.
  const keys: string[] = [];
  const walk = (s: { properties?: Record<string, unknown> }, prefix: string[]) => {
    for (const [k, v] of Object.entries(s.properties ?? {})) {
      if (k === "$schema") continue;
      keys.push([...prefix, k].join("."));
      walk(v as { properties?: Record<string, unknown> }, [...prefix, k]);
    }
  };
  walk(res.schema as { properties?: Record<string, unknown> }, []);
  assert.deepEqual(keys.filter((k) => !h[k]), []);
});

test("config writes need operator.admin", async (t) => {
  const { gw, path } = await gateway(t);
  const { client } = await connectRaw(gw.url, { token: GATEWAY_TOKEN, scopes: ["operator.read", "operator.write"] });
  t.after(() => client.close());
  for (const m of ["config.get", "config.schema", "config.set", "config.patch", "config.apply"]) {
    await refused(client, m, { raw: "{}" }, "FORBIDDEN", /operator\.admin/);
  }
  assert.equal(await readFile(path, "utf8"), FILE);
});

// health, status, system-presence, last-heartbeat: the params the reference clients send and the keys they read.
import { test } from "node:test";
import assert from "node:assert/strict";
import { check, METHODS } from "@clawdbot/protocol";
import { fakeFor, telegramConfig } from "../channels/harness.js";
import { eventually } from "../support/wait.js";
import { compatGateway } from "./support.js";

test("health {timeout} (macOS app) and the keys the reference CLI reads, each with its type", async (t) => {
  const { op } = await compatGateway(t);
  await op.client.call("chat.send", { sessionKey: "agent:main:s1", message: "hi", idempotencyKey: "k1" });
  await eventually("the session has a transcript", async () => (await op.client.call("chat.history", { sessionKey: "agent:main:s1" })).messages.length === 2);
  const h = await op.client.call("health", { timeout: 2500 });
  assert.equal(check(METHODS.health.result, h).ok, true);
  assert.equal(typeof h.durationMs, "number");
  assert.deepEqual(h.channelOrder, []);
  assert.deepEqual(h.channelLabels, {});
  assert.equal(typeof h.heartbeatSeconds, "number");
  assert.equal(h.defaultAgentId, "main");
  assert.deepEqual(h.agents.map((a) => [a.agentId, a.isDefault]), [["main", true]]);
  assert.equal(h.sessions.count, 1);
  assert.equal(h.sessions.recent[0]!.key, "agent:main:s1");
  assert.equal(typeof h.sessions.recent[0]!.updatedAt, "number");
  assert.equal(h.ok, true);
  const none = await op.client.request("health", undefined);
  assert.equal((none as { ok: boolean }).ok, true, "no params at all");
});

test("health names a configured channel that is down and is not ok; with probe, timeout bounds the probe", async (t) => {
  const fake = await fakeFor(t);
  fake.fail("getMe", { kind: "error", code: 401, description: "Unauthorized" }, { times: Infinity });
  fake.fail("getUpdates", { kind: "error", code: 401, description: "Unauthorized" }, { times: Infinity });
  const { op } = await compatGateway(t, { file: telegramConfig(fake) });
  const h = await op.client.call("health", { probe: true, timeout: 2000 });
  assert.equal(h.ok, false);
  assert.deepEqual(h.failingChannels, ["telegram"]);
  assert.deepEqual(h.channelOrder, ["telegram"]);
  assert.equal(h.channelLabels["telegram"], "Telegram");
  const tg = h.channels["telegram"] as { running: boolean; probe?: { ok: boolean } };
  assert.equal(tg.running, false);
  assert.notEqual(JSON.stringify(h.channels), "{}");
});

test("status, system-presence and last-heartbeat take no params or {}; anything else is INVALID_REQUEST, not ignored", async (t) => {
  const { op } = await compatGateway(t);
  for (const m of ["status", "system-presence", "last-heartbeat"] as const) {
    await op.client.request(m, undefined);
    await op.client.request(m, {});
    const err = (await op.client.request(m, { verbose: true }).catch((e: unknown) => e)) as { code: string; message: string };
    assert.equal(err.code, "INVALID_REQUEST", m);
    assert.match(err.message, /unexpected property "verbose"/);
  }
});

test("the gateway's own presence entry carries ip, text and deviceFamily", async (t) => {
  const { op } = await compatGateway(t);
  const [self] = await op.client.call("system-presence", {});
  assert.equal(self!.mode, "gateway");
  assert.equal(self!.deviceFamily, "Linux");
  assert.match(self!.text ?? "", /^Gateway: \S+.* · app \S+ · mode gateway · reason self$/);
  const ips = Object.values((await import("node:os")).networkInterfaces()).flat().filter((a) => a?.family === "IPv4" && !a.internal);
  if (ips.length > 0) assert.equal(self!.ip, ips[0]!.address);
  else assert.equal(self!.ip, undefined, "a loopback-only host has no primary address");
});

test("last-heartbeat status is one of sent | ok-empty | ok-token | skipped | failed", async (t) => {
  const { op } = await compatGateway(t, { file: { heartbeat: { enabled: true, intervalMs: 1000 } } });
  await eventually("a heartbeat", async () => (await op.client.call("last-heartbeat", {})) !== null, 30_000);
  const hb = await op.client.call("last-heartbeat", {});
  assert.ok(hb);
  assert.ok(["sent", "ok-empty", "ok-token", "skipped", "failed"].includes(hb.status), hb.status);
  assert.equal(hb.status, "ok-empty", "a beat that delivers nothing");
});

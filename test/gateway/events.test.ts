// Broadcast events as seen by connected clients: presence, seq and stateVersion, health, tick,
// heartbeat and shutdown.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { HeartbeatEvent, HelloOk } from "@clawdbot/protocol";
import { generateIdentity } from "@clawdbot/protocol/client";
import { startGateway } from "../support/gateway.js";
import { connectRaw, type Frame } from "../support/raw-client.js";
import { assertWireValid, events, nextAfter, presenceWhere, responses, rows, stateVersion } from "./wire.js";

function hello(res: Frame): HelloOk {
  assert.equal(res.ok, true, JSON.stringify(res));
  return res.payload as HelloOk;
}

test("two long-lived clients see each other's presence; the gateway row is always there", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const ida = generateIdentity();
  const idb = generateIdentity();
  const a = await connectRaw(gw.url, { identity: ida, mode: "ui" });
  t.after(() => a.client.close());
  const own = await a.client.next(presenceWhere((rs) => rs.some((r) => r.deviceId === ida.deviceId)));
  assert.equal(rows(own)[0]?.mode, "gateway");

  const b = await connectRaw(gw.url, { identity: idb, mode: "test", instanceId: "b-instance" });
  t.after(() => b.client.close());
  const snap = hello(b.res).snapshot.presence;
  assert.ok(snap.some((r) => r.deviceId === ida.deviceId), "b's hello-ok snapshot lists a");
  const seen = await a.client.next(presenceWhere((rs) => rs.some((r) => r.deviceId === idb.deviceId)));
  const bRow = rows(seen).find((r) => r.deviceId === idb.deviceId);
  assert.equal(bRow?.mode, "test");
  assert.equal(bRow?.instanceId, "b-instance");
  assert.equal(bRow?.reason, "connect");
  assert.deepEqual(bRow?.roles, ["operator"]);
  assert.equal(rows(seen)[0]?.mode, "gateway");
  assert.equal(rows(seen).filter((r) => r.deviceId === ida.deviceId).length, 1, "one row per device");

  await b.client.request("system-event", { text: "b is typing" });
  await a.client.next(presenceWhere((rs) => rs.some((r) => r.deviceId === idb.deviceId && r.text === "b is typing")));
  assertWireValid(a.client.frames);
  assertWireValid(b.client.frames);
});

test("CLI-mode clients are left out of presence; a disconnect removes the row with a presence event", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const ida = generateIdentity();
  const idb = generateIdentity();
  const idc = generateIdentity();
  const a = await connectRaw(gw.url, { identity: ida, mode: "ui" });
  t.after(() => a.client.close());
  const b = await connectRaw(gw.url, { identity: idb, mode: "test" });
  const joined = await a.client.next(presenceWhere((rs) => rs.some((r) => r.deviceId === idb.deviceId)));

  const c = await connectRaw(gw.url, { identity: idc, mode: "cli", clientId: "cli" });
  t.after(() => c.client.close());
  const list = (await c.client.request("system-presence")).payload as { deviceId?: string }[];
  assert.ok(!list.some((r) => r.deviceId === idc.deviceId), "a CLI connection has no presence row");

  b.client.close();
  const gone = await nextAfter(a.client, joined, presenceWhere((rs) => !rs.some((r) => r.deviceId === idb.deviceId)));
  assert.ok(rows(gone).some((r) => r.deviceId === ida.deviceId));
  // The presence events a saw: its own join, b's join, b's leave. Nothing for the CLI client.
  const seen = events(a.client, "presence");
  assert.equal(seen.length, 3, JSON.stringify(seen.map(rows)));
  assert.ok(!seen.some((f) => rows(f).some((r) => r.deviceId === idc.deviceId)));
  assertWireValid(a.client.frames);
});

test("one presence row per device even with two sockets; it goes when the last socket does", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const observer = await connectRaw(gw.url, { mode: "ui" });
  t.after(() => observer.client.close());
  const identity = generateIdentity();
  const first = await connectRaw(gw.url, { identity, mode: "ui" });
  const second = await connectRaw(gw.url, { identity, mode: "ui" });
  const both = await observer.client.next(
    (f) => events(observer.client, "presence").indexOf(f) >= 2 && presenceWhere((rs) => rs.some((r) => r.deviceId === identity.deviceId))(f),
  );
  assert.equal(rows(both).filter((r) => r.deviceId === identity.deviceId).length, 1);
  first.client.close();
  const stillThere = await nextAfter(observer.client, both, (f) => f.event === "presence");
  assert.equal(rows(stillThere).filter((r) => r.deviceId === identity.deviceId).length, 1, "one socket is still open");
  second.client.close();
  const gone = await nextAfter(observer.client, stillThere, (f) => f.event === "presence");
  assert.equal(rows(gone).filter((r) => r.deviceId === identity.deviceId).length, 0);
  assertWireValid(observer.client.frames);
});

test("seq grows by exactly one per broadcast and stateVersion counts presence and health changes", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const a = await connectRaw(gw.url, { mode: "ui" });
  t.after(() => a.client.close());
  const start = hello(a.res).snapshot.stateVersion;
  const b = await connectRaw(gw.url, { mode: "ui" });
  await b.client.request("system-event", { text: "one" });
  await a.client.request("set-heartbeats", { enabled: false });
  await b.client.request("system-event", { text: "two" });
  await a.client.request("set-heartbeats", { enabled: true });
  b.client.close();
  const broadcasts = () => a.client.frames.filter((f) => f.type === "event" && f.event !== "connect.challenge");
  await a.client.next(() => broadcasts().length >= 7);

  const evs = broadcasts();
  // a's join, b's join, "one", health, "two", health, b's leave
  assert.deepEqual(
    evs.map((f) => f.event),
    ["presence", "presence", "presence", "health", "presence", "health", "presence"],
  );
  const seqs = evs.map((f) => f.seq as number);
  for (let i = 1; i < seqs.length; i++) assert.equal(seqs[i], (seqs[i - 1] as number) + 1, `seq gap: ${seqs.join(",")}`);

  const versions = evs.map(stateVersion);
  const presence = versions.filter((_, i) => evs[i]?.event === "presence").map((v) => v.presence);
  assert.deepEqual(presence, [1, 2, 3, 4, 5].map((n) => start.presence + n));
  const health = versions.filter((_, i) => evs[i]?.event === "health").map((v) => v.health);
  assert.deepEqual(health, [start.health + 1, start.health + 2]);
  assertWireValid(a.client.frames);
});

test("set-heartbeats broadcasts a health event when the setting changes, and none when it does not", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const a = await connectRaw(gw.url, { mode: "ui" });
  const other = await connectRaw(gw.url, { role: "node", scopes: [] });
  t.after(() => (a.client.close(), other.client.close()));
  const v0 = hello(a.res).snapshot.stateVersion.health;

  await a.client.request("set-heartbeats", { enabled: true });
  // The event, if any, is written before the response on the same socket.
  assert.equal(events(a.client, "health").length, 0, "no change, no health event");

  await a.client.request("set-heartbeats", { enabled: false });
  const ev = events(a.client, "health");
  assert.equal(ev.length, 1);
  const payload = ev[0]?.payload as { ok: boolean; heartbeat: { enabled: boolean } };
  assert.equal(payload.heartbeat.enabled, false);
  assert.equal(stateVersion(ev[0] as Frame).health, v0 + 1);
  const nodeSaw = await other.client.event("health");
  assert.equal((nodeSaw.payload as { heartbeat: { enabled: boolean } }).heartbeat.enabled, false, "health goes to every role");

  await a.client.request("set-heartbeats", { enabled: false });
  assert.equal(events(a.client, "health").length, 1, "same value again, no event");
  const h = (await a.client.request("health")).payload as { heartbeat: { enabled: boolean } };
  assert.equal(h.heartbeat.enabled, false);
  assertWireValid(a.client.frames);
  assertWireValid(other.client.frames);
});

test("tick events arrive every tickIntervalMs with increasing ts and consecutive seq", async (t) => {
  const gw = await startGateway({ file: { gateway: { tickIntervalMs: 100 } } });
  t.after(() => gw.stop());
  const a = await connectRaw(gw.url, { mode: "cli", clientId: "cli" });
  t.after(() => a.client.close());
  assert.equal(hello(a.res).policy.tickIntervalMs, 100);
  await a.client.next(() => events(a.client, "tick").length >= 3, 3000);
  const ticks = events(a.client, "tick").slice(0, 3);
  const ts = ticks.map((f) => (f.payload as { ts: number }).ts);
  assert.ok(ts[0]! < ts[1]! && ts[1]! < ts[2]!, `ts not increasing: ${ts.join(",")}`);
  const seqs = ticks.map((f) => f.seq as number);
  assert.deepEqual(seqs, [seqs[0], seqs[0]! + 1, seqs[0]! + 2]);
  assertWireValid(a.client.frames);
});

test("heartbeat events fire at heartbeat.intervalMs and last-heartbeat returns the latest one", async (t) => {
  const gw = await startGateway({ file: { heartbeat: { intervalMs: 1000 } } });
  t.after(() => gw.stop());
  const a = await connectRaw(gw.url, { mode: "ui" });
  t.after(() => a.client.close());
  const beat = await a.client.event("heartbeat", 5000);
  assert.equal((beat.payload as HeartbeatEvent).status, "ok-empty");
  const res = await a.client.request("last-heartbeat");
  // The latest heartbeat event written to this socket before the response is what last-heartbeat saw.
  const before = a.client.frames.slice(0, a.client.frames.indexOf(res)).filter((f) => f.event === "heartbeat");
  assert.deepEqual(res.payload, before.at(-1)?.payload);
  assertWireValid(a.client.frames);
});

// Regression: heartbeat.lastTs used to stay null forever, so health kept saying "no heartbeat yet".
test("after a heartbeat, the health snapshot's heartbeat.lastTs is that heartbeat's ts", async (t) => {
  const gw = await startGateway({ file: { heartbeat: { intervalMs: 1000 } } });
  t.after(() => gw.stop());
  const a = await connectRaw(gw.url, { mode: "ui" });
  t.after(() => a.client.close());
  await a.client.event("heartbeat", 5000);
  const last = (await a.client.request("last-heartbeat")).payload as HeartbeatEvent;
  const health = (await a.client.request("health")).payload as { heartbeat: { lastTs: number | null } };
  assert.equal(health.heartbeat.lastTs, last.ts);
});

test("a graceful stop sends shutdown {reason, restartExpectedMs} to every client, then closes 1012", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const clients = [
    await connectRaw(gw.url, { mode: "ui" }),
    await connectRaw(gw.url, { mode: "cli", clientId: "cli" }),
    await connectRaw(gw.url, { role: "node", scopes: [] }),
  ];
  await gw.gateway.stop("test", 1500);
  for (const { client } of clients) {
    const closed = await client.closed;
    assert.deepEqual(closed, { code: 1012, reason: "service restart" });
    const shutdown = events(client, "shutdown");
    assert.equal(shutdown.length, 1);
    assert.deepEqual(shutdown[0]?.payload, { reason: "test", restartExpectedMs: 1500 });
    assert.equal(client.frames.at(-1), shutdown[0], "shutdown is the last frame before the close");
    assertWireValid(client.frames);
  }
});

test("shutdown without a restart estimate carries only the reason, and no presence churn is broadcast", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const a = await connectRaw(gw.url, { mode: "ui" });
  await connectRaw(gw.url, { mode: "ui" });
  await a.client.next(presenceWhere((rs) => rs.length === 3));
  await gw.gateway.stop("maintenance");
  await a.client.closed;
  assert.deepEqual(events(a.client, "shutdown")[0]?.payload, { reason: "maintenance" });
  assert.equal(a.client.frames.at(-1)?.event, "shutdown");
  assert.equal(responses(a.client).length, 1);
});

// Idempotency over real sockets: a retried system-event returns the first outcome and does not repeat
// its side effect (a presence broadcast), also after the same device reconnects.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { PresenceEntry } from "@clawdbot/protocol";
import { generateIdentity } from "@clawdbot/protocol/client";
import { startGateway, type TestGateway } from "../support/gateway.js";
import { connectRaw, type Frame, type RawClient } from "../support/raw-client.js";
import { assertWireValid, events, nextAfter, presenceWhere, rows } from "./wire.js";

/** Presence events `observer` received before `until` (exclusive) whose rows carry `text`. */
function withText(observer: RawClient, text: string, until: Frame) {
  const end = observer.frames.indexOf(until);
  assert.ok(end >= 0);
  return events(observer, "presence").filter((f) => observer.frames.indexOf(f) < end && rows(f).some((r) => r.text === text));
}

/**
 * Makes a fresh broadcast (a CLI client's system-event) and waits until `observer` has it; since
 * broadcasts reach one socket in order, every earlier broadcast has arrived by then. Returns the
 * barrier's presence frame.
 */
async function barrier(gw: TestGateway, observer: RawClient, tag: string): Promise<Frame> {
  const { client } = await connectRaw(gw.url, { mode: "cli", clientId: "cli" });
  const res = await client.request("system-event", { text: tag });
  assert.equal(res.ok, true, JSON.stringify(res));
  const f = await observer.next(presenceWhere((rs) => rs.some((r) => r.text === tag)));
  client.close();
  // Wait for its row to leave too, so nothing of the barrier trails into the next step.
  await nextAfter(observer, f, presenceWhere((rs) => !rs.some((r) => r.text === tag)));
  return f;
}

test("system-event retried with the same idempotencyKey answers the first outcome and broadcasts once", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const observer = await connectRaw(gw.url, { mode: "ui" });
  const actor = await connectRaw(gw.url, { mode: "ui" });
  t.after(() => (observer.client.close(), actor.client.close()));

  const first = await actor.client.request("system-event", { text: "once", idempotencyKey: "evt-1" });
  const retry = await actor.client.request("system-event", { text: "once", idempotencyKey: "evt-1" });
  assert.equal(first.ok, true);
  assert.deepEqual(retry.payload, first.payload);
  assert.equal(retry.ok, first.ok);
  const b1 = await barrier(gw, observer.client, "barrier-1");
  assert.equal(withText(observer.client, "once", b1).length, 1, "the retry must not broadcast again");

  const fresh = await actor.client.request("system-event", { text: "twice", idempotencyKey: "evt-2" });
  assert.equal(fresh.ok, true);
  const b2 = await barrier(gw, observer.client, "barrier-2");
  assert.equal(withText(observer.client, "twice", b2).length, 1, "a new key runs again");
  assertWireValid(observer.client.frames);
});

test("a retry after the same device reconnects is still deduplicated", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const identity = generateIdentity();
  const observer = await connectRaw(gw.url, { mode: "ui" });
  t.after(() => observer.client.close());

  const before = await connectRaw(gw.url, { identity, mode: "ui" });
  const first = await before.client.request("system-event", { text: "original", idempotencyKey: "evt-r" });
  assert.equal(first.ok, true);
  before.client.close();
  await before.client.closed;

  const after = await connectRaw(gw.url, { identity, mode: "ui" });
  t.after(() => after.client.close());
  assert.equal(after.res.ok, true, JSON.stringify(after.res));
  const retry = await after.client.request("system-event", { text: "retried", idempotencyKey: "evt-r" });
  assert.deepEqual(retry.payload, first.payload);
  const b = await barrier(gw, observer.client, "barrier");
  assert.equal(withText(observer.client, "retried", b).length, 0, "the retried effect ran again after a reconnect");
  const list = (await after.client.request("system-presence")).payload as PresenceEntry[];
  const row = list.find((e) => e.deviceId === identity.deviceId);
  assert.ok(row, "the reconnected device has a presence row");
  assert.notEqual(row.text, "retried");
});

// Regression: without a device identity the dedupe key used to be the connection id, so a token-only
// client that reconnected and retried repeated the side effect.
test("a token-only client (no device identity) retrying after a reconnect is still deduplicated", async (t) => {
  const token = "idem-test-token-123";
  const gw = await startGateway({ flags: { token } });
  t.after(() => gw.stop());
  const observer = await connectRaw(gw.url, { mode: "ui", token });
  t.after(() => observer.client.close());
  const opts = { identity: null, token, mode: "ui" as const, instanceId: "token-client-1" };
  const before = await connectRaw(gw.url, opts);
  assert.equal(before.res.ok, true, JSON.stringify(before.res));
  const first = await before.client.request("system-event", { text: "original", idempotencyKey: "evt-t" });
  assert.equal(first.ok, true);
  before.client.close();
  await before.client.closed;
  const after = await connectRaw(gw.url, opts);
  t.after(() => after.client.close());
  await after.client.request("system-event", { text: "retried", idempotencyKey: "evt-t" });
  const list = (await after.client.request("system-presence")).payload as PresenceEntry[];
  assert.ok(!list.some((e) => e.text === "retried"), "the retried system-event ran again");
});

test("the same key from a different device is a different request and runs", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const a = await connectRaw(gw.url, { mode: "ui" });
  const b = await connectRaw(gw.url, { mode: "ui" });
  t.after(() => (a.client.close(), b.client.close()));
  assert.equal((await a.client.request("system-event", { text: "from a", idempotencyKey: "shared" })).ok, true);
  assert.equal((await b.client.request("system-event", { text: "from b", idempotencyKey: "shared" })).ok, true);
  const list = (await a.client.request("system-presence")).payload as PresenceEntry[];
  assert.ok(list.some((e) => e.text === "from a"));
  assert.ok(list.some((e) => e.text === "from b"));
});

test("system-event without a key is not deduplicated (idempotency is optional for it)", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const observer = await connectRaw(gw.url, { mode: "ui" });
  const actor = await connectRaw(gw.url, { mode: "ui" });
  t.after(() => (observer.client.close(), actor.client.close()));
  await actor.client.request("system-event", { text: "nokey" });
  await actor.client.request("system-event", { text: "nokey" });
  const b = await barrier(gw, observer.client, "barrier");
  assert.equal(withText(observer.client, "nokey", b).length, 2);
});

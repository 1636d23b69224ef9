import { test } from "node:test";
import assert from "node:assert/strict";
import type { PresenceEntry } from "@clawdbot/protocol";
import { Broadcaster, type EventSink } from "../../sidecar/src/events/broadcaster.js";
import { StateEvents } from "../../sidecar/src/events/state-events.js";
import { PresenceRegistry } from "../../sidecar/src/state/presence.js";
import { HealthState } from "../../sidecar/src/state/health.js";

/** A connected operator that keeps every frame it is sent. */
class Operator implements EventSink {
  readonly role = "operator" as const;
  readonly scopes = ["operator.read"];
  readonly frames: { event: string; seq: number; stateVersion?: { presence: number }; payload: { presence?: PresenceEntry[] } }[] = [];
  sendText(text: string | Buffer): boolean {
    this.frames.push(JSON.parse(text.toString()));
    return true;
  }
  presence() {
    return this.frames.filter((f) => f.event === "presence");
  }
}

function world(bytesPerSecond?: number) {
  const entry = (id: string): PresenceEntry => ({ ts: 1, host: `host-${id}`, mode: "cli", reason: "connect", text: `client ${id}`, instanceId: id });
  const presence = new PresenceRegistry({ ts: 0, host: "gw", mode: "gateway", reason: "self", text: "Gateway" });
  const health = new HealthState({ heartbeat: { enabled: false, intervalMs: 0, lastTs: null }, channels: {}, channelOrder: [], channelLabels: {} }, 0, () => 0);
  const broadcaster = new Broadcaster();
  const events = new StateEvents(broadcaster, presence, health, bytesPerSecond);
  const ops = [new Operator(), new Operator(), new Operator()];
  for (const o of ops) broadcaster.add(o);
  let n = 0;
  const join = () => {
    const id = String(++n);
    presence.join(id, `conn-${id}`, entry(id));
    events.presenceChanged();
  };
  return { presence, events, ops, join };
}

test("a few clients get one presence snapshot per change, in order, each with the version it describes", () => {
  const w = world();
  for (let i = 0; i < 10; i++) w.join();
  for (const o of w.ops) {
    const got = o.presence();
    assert.equal(got.length, 10);
    assert.deepEqual(got.map((f) => f.stateVersion?.presence), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.deepEqual(got.map((f) => f.payload.presence?.length), [2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  }
  w.events.stop();
});

test("past the byte budget, changes that come while a snapshot's share lasts go out as one snapshot, and the last change is never lost", async () => {
  // 1 KiB/s: the first snapshot (3 operators × a few hundred bytes) holds the next ones back about a second.
  const w = world(1024);
  for (let i = 0; i < 20; i++) w.join();
  const first = w.ops[0]!.presence();
  assert.equal(first.length, 1, "only the first change goes out at once");
  assert.equal(first[0]!.stateVersion?.presence, 1);
  const deadline = Date.now() + 10_000;
  while (w.ops[0]!.presence().length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  for (const o of w.ops) {
    const got = o.presence();
    assert.equal(got.length, 2, "the other 19 changes went out together");
    assert.equal(got[1]!.stateVersion?.presence, w.presence.version, "the held snapshot carries the newest version");
    assert.equal(got[1]!.payload.presence?.length, 21, "and everyone who joined");
    assert.ok(got[1]!.seq > got[0]!.seq);
  }
  w.events.stop();
});

test("stop() drops a held snapshot: nothing is sent after the gateway stops", async () => {
  const w = world(1024);
  w.join();
  w.join();
  w.events.stop();
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(w.ops[0]!.presence().length, 1);
});

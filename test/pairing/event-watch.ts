// Broadcast events as a connection sees them: waiting for one (strictly validated), and proving one
// did NOT arrive (a round trip on the same socket orders it after any earlier broadcast).
import assert from "node:assert/strict";
import { EVENTS, check, formatIssues, type EventName } from "@clawdbot/protocol";
import type { Frame, RawClient } from "../support/raw-client.js";

/** Waits until a round trip on `client` completes: any event sent to it before now has arrived. */
export async function barrier(client: RawClient): Promise<void> {
  const res = await client.request("pairing-tests.barrier", {});
  assert.equal(res.type, "res");
}

/** Events `name` received so far, optionally filtered by a payload predicate. */
export function eventsOf(client: RawClient, name: EventName, pred: (p: Record<string, unknown>) => boolean = () => true): Frame[] {
  return client.frames.filter((f) => f.type === "event" && f.event === name && pred(f.payload as Record<string, unknown>));
}

/** Waits for event `name` whose payload matches, and validates the payload strictly. */
export async function awaitEvent(client: RawClient, name: EventName, pred: (p: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  const f = await client.next((x) => x.type === "event" && x.event === name && pred(x.payload as Record<string, unknown>));
  const payload = check(EVENTS[name], f.payload);
  assert.ok(payload.ok, `${name} payload off-schema: ${payload.ok ? "" : formatIssues(payload.issues)}`);
  assert.equal(typeof f["seq"], "number", `${name} is a broadcast and carries seq`);
  return f.payload as Record<string, unknown>;
}

/** After a barrier, asserts `client` received no `name` event matching `pred`. */
export async function assertNoEvent(client: RawClient, name: EventName, pred: (p: Record<string, unknown>) => boolean): Promise<void> {
  await barrier(client);
  assert.deepEqual(eventsOf(client, name, pred), [], `unexpected ${name}`);
}

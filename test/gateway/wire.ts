// Assertions about what crossed the wire, shared by the gateway socket tests.
import assert from "node:assert/strict";
import {
  EVENTS,
  EventFrameSchema,
  ResponseFrameSchema,
  check,
  formatIssues,
  type PresenceEntry,
  type StateVersion,
} from "@clawdbot/protocol";
import type { Frame, RawClient } from "../support/raw-client.js";
import { eventually } from "../support/wait.js";

function isEventName(name: string): name is keyof typeof EVENTS {
  return Object.prototype.hasOwnProperty.call(EVENTS, name);
}

/** Every frame is a strict response or event frame, and every event payload matches EVENTS[name]. */
export function assertWireValid(frames: readonly Frame[]): void {
  for (const f of frames) {
    if (f.type === "res") {
      const res = check(ResponseFrameSchema, f);
      assert.ok(res.ok, `response frame off-schema: ${res.ok ? "" : formatIssues(res.issues)}: ${JSON.stringify(f)}`);
      continue;
    }
    const ev = check(EventFrameSchema, f);
    assert.ok(ev.ok, `event frame off-schema: ${ev.ok ? "" : formatIssues(ev.issues)}: ${JSON.stringify(f)}`);
    const name = String(f.event);
    assert.ok(isEventName(name), `undeclared event "${name}"`);
    const payload = check(EVENTS[name], f.payload);
    assert.ok(payload.ok, `${name} payload off-schema: ${payload.ok ? "" : formatIssues(payload.issues)}`);
  }
}

export function events(c: RawClient, name: string): Frame[] {
  return c.frames.filter((f) => f.type === "event" && f.event === name);
}

export function responses(c: RawClient): Frame[] {
  return c.frames.filter((f) => f.type === "res");
}

/** Rows of a presence event frame. */
export function rows(f: Frame): PresenceEntry[] {
  return (f.payload as { presence: PresenceEntry[] }).presence;
}

export function stateVersion(f: Frame): StateVersion {
  assert.ok(f.stateVersion, `no stateVersion on ${JSON.stringify(f)}`);
  return f.stateVersion as StateVersion;
}

/** A presence event whose rows satisfy `pred`. */
export function presenceWhere(pred: (rows: PresenceEntry[]) => boolean): (f: Frame) => boolean {
  return (f) => f.type === "event" && f.event === "presence" && pred(rows(f));
}

/** The first frame recorded after `prev` that matches `pred` (waits for it). */
export function nextAfter(c: RawClient, prev: Frame, pred: (f: Frame) => boolean, ms?: number): Promise<Frame> {
  return c.next((f) => c.frames.indexOf(f) > c.frames.indexOf(prev) && pred(f), ms);
}

export { isOpen } from "../support/raw-client.js";

/** Polls `pred` until true; fails after `ms`. */
export function waitFor(what: string, pred: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  return eventually(what, pred, ms);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

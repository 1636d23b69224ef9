// Sessions over the wire: an admin UI client, turns that run to the end, and typed calls.
import assert from "node:assert/strict";
import type { Result } from "@clawdbot/protocol";
import type { RawClient } from "../support/raw-client.js";
import { call } from "../channels/harness.js";
import { chatEnd, chatSend } from "../agent/wire.js";

export type SessionRow = Result<"sessions.list">["sessions"][number];

/** Runs one chat turn in a session and waits for its final event. */
export async function turn(c: RawClient, sessionKey: string, message: string): Promise<string> {
  const { runId } = await chatSend(c, sessionKey, message);
  const end = await chatEnd(c, runId);
  assert.equal(end.state, "final", `turn in ${sessionKey} ended ${end.state}: ${end.errorMessage ?? ""}`);
  return runId;
}

/** sessions.list rows by key. */
export async function rows(c: RawClient, params: Record<string, unknown> = {}): Promise<Map<string, SessionRow>> {
  const res = await call<Result<"sessions.list">>(c, "sessions.list", params);
  assert.equal(res.count, res.sessions.length);
  return new Map(res.sessions.map((r) => [r.key, r]));
}

/** The texts of a session's transcript as `role: text`. */
export async function texts(c: RawClient, sessionKey: string): Promise<string[]> {
  const { messages } = await call<Result<"chat.history">>(c, "chat.history", { sessionKey, limit: 1000 });
  return messages.map((m) => `${m.role}: ${m.content.map((b) => b.text).join("")}`);
}

/** Asserts a request fails with `code` and a message matching `pattern`. */
export async function refused(c: RawClient, method: string, params: unknown, code: string, pattern: RegExp): Promise<void> {
  const res = await c.request(method, params);
  assert.equal(res.ok, false, `${method} should fail: ${JSON.stringify(res.payload)}`);
  assert.equal(res.error?.code, code, JSON.stringify(res.error));
  assert.match(res.error?.message ?? "", pattern);
}


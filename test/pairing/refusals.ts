// Refused connects and refused calls: the exact error code, close code and close reason, and that
// nothing else was sent; a refused call leaves the connection open.
import assert from "node:assert/strict";
import { CloseCode, ResponseFrameSchema, check, type ErrorShape } from "@clawdbot/protocol";
import { closedWithin, isOpen, type RawClient, type Refusal } from "../support/raw-client.js";
import type { Connected } from "./connections.js";

export { closedWithin, isOpen, type Refusal } from "../support/raw-client.js";

/** A refused connect: one strict ok:false response with `want.code`, then close `want.closeCode ?? 1008` with `want.close`. */
export async function assertRefused(c: Connected, want: Refusal): Promise<ErrorShape> {
  const { client, res } = c;
  assert.equal(res.ok, false, `expected a refusal, got ${JSON.stringify(res).slice(0, 400)}`);
  const strict = check(ResponseFrameSchema, res);
  assert.ok(strict.ok, `refusal frame is not strictly valid: ${JSON.stringify(res)}`);
  const error = strict.value.error;
  assert.ok(error, "refusal carries no error");
  assert.equal(error.code, want.code, `error: ${JSON.stringify(error)}`);
  assert.ok(error.message.length > 0);
  assert.deepEqual(await closedWithin(client), { code: want.closeCode ?? CloseCode.policyViolation, reason: want.close });
  const others = client.frames.filter((f) => !(f.type === "event" && f.event === "connect.challenge") && f !== res);
  assert.deepEqual(others, [], `frames besides the challenge and the refusal: ${JSON.stringify(others)}`);
  return error;
}

/** `pairing required`: NOT_PAIRED with details.requestId, close 1008; returns the request id. */
export async function assertPairingRequired(c: Connected): Promise<string> {
  const error = await assertRefused(c, { code: "NOT_PAIRED", close: "pairing required" });
  const requestId = (error.details as { requestId?: unknown } | undefined)?.requestId;
  assert.equal(typeof requestId, "string", `details: ${JSON.stringify(error.details)}`);
  return requestId as string;
}

export const UNAUTHORIZED: Refusal = { code: "UNAUTHORIZED", close: "unauthorized" };
export const NONCE_REQUIRED: Refusal = { code: "INVALID_REQUEST", close: "device nonce required" };
export const NONCE_MISMATCH: Refusal = { code: "INVALID_REQUEST", close: "device nonce mismatch" };

/** A method call refused FORBIDDEN on a connection that stays open. */
export async function assertForbidden(client: RawClient, method: string, params: unknown): Promise<ErrorShape> {
  const res = await client.request(method, params);
  assert.equal(res.ok, false, `${method} should be refused: ${JSON.stringify(res).slice(0, 400)}`);
  assert.equal(res.error?.code, "FORBIDDEN", `${method}: ${JSON.stringify(res.error)}`);
  assert.ok(isOpen(client), `${method}: the connection must stay open after a refusal`);
  return res.error;
}

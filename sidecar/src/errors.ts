import type { ErrorCode, ErrorShape } from "@clawdbot/protocol";

/**
 * Every internal failure reason, with the wire code it maps to and, for handshake
 * failures, the close reason sent with 1008. This table is the one place reasons
 * meet the wire.
 */
export const REASONS = {
  invalid_frame: { code: "INVALID_REQUEST", close: "invalid frame" },
  handshake_required: { code: "INVALID_REQUEST", close: "invalid handshake" },
  connect_invalid: { code: "INVALID_REQUEST", close: "invalid connect params" },
  protocol_mismatch: { code: "INVALID_REQUEST", close: "protocol mismatch" },
  not_ready: { code: "INVALID_REQUEST", close: "invalid handshake" },
  token_mismatch: { code: "UNAUTHORIZED", close: "unauthorized" },
  password_mismatch: { code: "UNAUTHORIZED", close: "unauthorized" },
  device_token_invalid: { code: "UNAUTHORIZED", close: "unauthorized" },
  rate_limited: { code: "RATE_LIMITED", close: "rate limited" },
  device_identity_required: { code: "INVALID_REQUEST", close: "device identity required" },
  device_signature_invalid: { code: "INVALID_REQUEST", close: "device signature invalid" },
  device_signature_expired: { code: "INVALID_REQUEST", close: "device signature expired" },
  device_nonce_required: { code: "INVALID_REQUEST", close: "device nonce required" },
  device_nonce_mismatch: { code: "INVALID_REQUEST", close: "device nonce mismatch" },
  device_identity_mismatch: { code: "INVALID_REQUEST", close: "device identity mismatch" },
  pairing_required: { code: "NOT_PAIRED", close: "pairing required" },
  invalid_role: { code: "INVALID_REQUEST", close: "invalid role" },
  origin_forbidden: { code: "FORBIDDEN", close: "origin not allowed" },
  params_invalid: { code: "INVALID_REQUEST", close: "invalid frame" },
  method_unknown: { code: "INVALID_REQUEST", close: "invalid frame" },
  role_forbidden: { code: "FORBIDDEN", close: "invalid role" },
  scope_missing: { code: "FORBIDDEN", close: "invalid frame" },
  idempotency_key_missing: { code: "INVALID_REQUEST", close: "invalid frame" },
  not_found: { code: "NOT_FOUND", close: "invalid frame" },
  forbidden: { code: "FORBIDDEN", close: "invalid frame" },
  config_conflict: { code: "CONFLICT", close: "invalid frame" },
  unavailable: { code: "UNAVAILABLE", close: "unavailable" },
  agent_timeout: { code: "AGENT_TIMEOUT", close: "timeout" },
  internal: { code: "UNAVAILABLE", close: "internal error" },
} as const satisfies Record<string, { code: ErrorCode; close: string }>;

export type Reason = keyof typeof REASONS;

/** A failure with a precise internal reason, a user-facing message and optional details. */
export class GatewayError extends Error {
  readonly reason: Reason;
  readonly details: unknown;
  readonly retryAfterMs: number | undefined;
  constructor(reason: Reason, message: string, extra: { details?: unknown; retryAfterMs?: number } = {}) {
    super(message);
    this.name = "GatewayError";
    this.reason = reason;
    this.details = extra.details;
    this.retryAfterMs = extra.retryAfterMs;
  }

  get code(): ErrorCode {
    return REASONS[this.reason].code;
  }

  get closeReason(): string {
    return REASONS[this.reason].close;
  }

  /** The wire error shape (strict: only protocol keys). */
  toShape(): ErrorShape {
    const shape: ErrorShape = { code: this.code, message: this.message };
    if (this.details !== undefined) shape.details = this.details;
    if (this.retryAfterMs !== undefined) {
      shape.retryable = true;
      shape.retryAfterMs = this.retryAfterMs;
    }
    return shape;
  }
}

/** Maps anything thrown by a handler to a wire error; unknown errors become UNAVAILABLE. */
export function toErrorShape(err: unknown): ErrorShape {
  if (err instanceof GatewayError) return err.toShape();
  return { code: "UNAVAILABLE", message: "the gateway failed to handle this request; see the gateway log" };
}

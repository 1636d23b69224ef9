import type { ErrorShape } from "../schema/errors.js";

/** A request answered with `ok:false`. */
export class GatewayRequestError extends Error {
  readonly code: string;
  readonly details: unknown;
  readonly retryable: boolean;
  constructor(shape: ErrorShape) {
    super(shape.message);
    this.name = "GatewayRequestError";
    this.code = shape.code;
    this.details = shape.details;
    this.retryable = shape.retryable ?? false;
  }
}

/** Why a connection could not be established or was lost. */
export type ConnectFailure =
  | "unreachable"
  | "timeout"
  | "unauthorized"
  | "pairing-required"
  | "rejected"
  | "protocol-mismatch"
  | "tls-fingerprint-mismatch"
  | "tls-unpinned"
  | "closed";

/** The connection failed before or after the handshake. */
export class GatewayConnectError extends Error {
  readonly failure: ConnectFailure;
  readonly closeCode: number | undefined;
  readonly closeReason: string | undefined;
  readonly error: ErrorShape | undefined;
  constructor(
    failure: ConnectFailure,
    message: string,
    extra: { closeCode?: number; closeReason?: string; error?: ErrorShape } = {},
  ) {
    super(message);
    this.name = "GatewayConnectError";
    this.failure = failure;
    this.closeCode = extra.closeCode;
    this.closeReason = extra.closeReason;
    this.error = extra.error;
  }
}

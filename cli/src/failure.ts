import { GatewayConnectError, GatewayRequestError } from "@clawdbot/protocol/client";
import { ConfigError } from "@clawdbot/sidecar/basics";
import type { ErrorCode } from "./gateway-link/exit-codes.js";

/** A failure the CLI explains itself: a code from the documented set and one line saying what to do. */
export class CliError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** A usage error (exit 2) found after parsing: a flag combination, a value that does not fit. */
export function usageError(message: string): CliError {
  return new CliError("usage", message);
}

/** Any failure of a running command (not of the command-line parser) as the documented `{code, message}` pair; fold the message with oneLine. */
export function describeRunFailure(err: unknown): { code: string; message: string } {
  // A protocol code the CLI found itself (NOT_FOUND in a list) reads like the gateway's answer would.
  if (err instanceof CliError) return { code: err.code, message: /^[A-Z_]+$/.test(err.code) ? `${err.code}: ${err.message}` : err.message };
  if (err instanceof GatewayConnectError) return { code: err.failure, message: describeConnectError(err) };
  if (err instanceof GatewayRequestError) return { code: err.code, message: `${err.code}: ${err.message}` };
  if (err instanceof ConfigError) return { code: "config-invalid", message: err.message };
  const e = err as { code?: unknown; message?: unknown } | null;
  // A DaemonError or another error that already carries a code from the set.
  if (e && typeof e.code === "string" && typeof e.message === "string" && /^[a-z]+(-[a-z]+)*$/.test(e.code)) {
    return { code: e.code, message: e.message };
  }
  return { code: "error", message: err instanceof Error ? err.message || err.name : String(err) };
}

function describeConnectError(err: GatewayConnectError): string {
  if (err.failure === "unreachable" && !/clawdbot gateway/.test(err.message)) {
    return `${err.message} (is the gateway running? start it with \`clawdbot gateway\`)`;
  }
  return err.message;
}

/** Errors are one line: later lines are folded in, indentation and ANSI colours dropped. */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  const folded = text.replace(/\u001b\[[0-9;]*m/g, "").split("\n").map((l) => l.trim()).filter(Boolean).join(" ");
  return folded === "" ? "failed (no message)" : folded;
}

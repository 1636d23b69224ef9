import { ERROR_CODES as WIRE_CODES, type ErrorCode as WireCode } from "@clawdbot/protocol";
import type { ConnectFailure } from "@clawdbot/protocol/client";

/** Exit codes, documented in README: 0 ok, 1 error, 2 usage, then one per connection failure. */
export const EXIT = {
  ok: 0,
  error: 1,
  usage: 2,
  unreachable: 3,
  unauthorized: 4,
  pairingRequired: 5,
  timeout: 6,
  requestFailed: 7,
  interrupted: 130,
} as const;

/**
 * Every error code the CLI prints (`{"error":{"code","message"}}` with --json), with its exit code
 * and what it means. The CLI's own codes are lower-case; a gateway's answer keeps the protocol's
 * upper-case code. README.md lists this table (a test keeps the two equal).
 */
export const CLI_ERRORS = {
  usage: { exit: EXIT.usage, meaning: "the command line is wrong: a missing or bad argument or flag, an unknown command" },
  "config-invalid": { exit: EXIT.error, meaning: "the config file cannot be read or does not validate" },
  unreachable: { exit: EXIT.unreachable, meaning: "no gateway answers at the URL" },
  closed: { exit: EXIT.unreachable, meaning: "the gateway closed the connection" },
  "tls-unpinned": { exit: EXIT.unreachable, meaning: "a wss:// gateway whose certificate is not pinned: pass --tls-fingerprint" },
  "tls-fingerprint-mismatch": { exit: EXIT.unreachable, meaning: "the gateway presented another certificate than --tls-fingerprint; nothing was sent" },
  unauthorized: { exit: EXIT.unauthorized, meaning: "the gateway refused the token, password or device token" },
  rejected: { exit: EXIT.unauthorized, meaning: "the gateway refused the connection (device signature, rate limit, origin)" },
  "pairing-required": { exit: EXIT.pairingRequired, meaning: "this device waits for approval: run the `clawdbot pair approve` the message names on the gateway host" },
  timeout: { exit: EXIT.timeout, meaning: "no answer within --timeout" },
  "protocol-mismatch": { exit: EXIT.error, meaning: "the gateway speaks another protocol version" },
  "agent-failed": { exit: EXIT.requestFailed, meaning: "the agent run failed on the gateway; the message carries the backend's cause" },
  "agent-aborted": { exit: EXIT.requestFailed, meaning: "the agent run was stopped on the gateway (chat.abort, shutdown)" },
  interrupted: { exit: EXIT.interrupted, meaning: "stopped with Ctrl-C (`agent` also stops the run on the gateway)" },
  error: { exit: EXIT.error, meaning: "anything else; the message says what" },
  "mdns-unavailable": { exit: EXIT.error, meaning: "`discover` could not open the mDNS socket" },
  "unsupported-platform": { exit: EXIT.error, meaning: "`daemon` supports macOS (launchd) and Linux (systemd --user) only" },
  "wrong-platform": { exit: EXIT.error, meaning: "`daemon --platform` names another system than this one without --dry-run" },
  "not-installed": { exit: EXIT.error, meaning: "`daemon` found no installed service" },
  "command-failed": { exit: EXIT.error, meaning: "`daemon` ran launchctl/systemctl/journalctl and it failed (its error is quoted)" },
  "unsafe-value": { exit: EXIT.error, meaning: "`daemon install` refused a path or value the service manager would misread" },
  "bad-template": { exit: EXIT.error, meaning: "`daemon install` found a damaged service template" },
  "invalid-token": { exit: EXIT.usage, meaning: "a gateway token shorter than 8 characters or with whitespace" },
} as const satisfies Record<string, { exit: number; meaning: string }>;

/** What the gateway's own error codes mean for the exit code (all others: 7). */
const WIRE_EXIT: Partial<Record<WireCode, number>> = { AGENT_TIMEOUT: EXIT.timeout };

export type CliCode = keyof typeof CLI_ERRORS;
/** One documented set: the CLI's codes and the protocol's. */
export type ErrorCode = CliCode | WireCode;

/** The exit code of an error code (a gateway code the CLI does not know exits 7). */
export function exitFor(code: string): number {
  if (Object.prototype.hasOwnProperty.call(CLI_ERRORS, code)) return CLI_ERRORS[code as CliCode].exit;
  return WIRE_EXIT[code as WireCode] ?? EXIT.requestFailed;
}

/** The protocol's codes as the CLI reports them: exit 7 unless WIRE_EXIT says otherwise. */
export function wireCodes(): { code: WireCode; exit: number }[] {
  return WIRE_CODES.map((code) => ({ code, exit: exitFor(code) }));
}

/** Maps a connection failure to its exit code. */
export function exitCodeFor(failure: ConnectFailure): number {
  return exitFor(failure);
}

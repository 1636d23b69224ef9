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
} as const;

/** Maps a connection failure to its exit code. */
export function exitCodeFor(failure: ConnectFailure): number {
  switch (failure) {
    case "unreachable":
    case "tls-fingerprint-mismatch":
      return EXIT.unreachable;
    case "unauthorized":
      return EXIT.unauthorized;
    case "pairing-required":
      return EXIT.pairingRequired;
    case "timeout":
      return EXIT.timeout;
    default:
      return EXIT.error;
  }
}

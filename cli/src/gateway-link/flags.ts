import { Flags } from "@oclif/core";

/** Flags every command that talks to a running gateway accepts. */
export const connectionFlags = {
  url: Flags.string({ description: "gateway WebSocket URL (default ws://127.0.0.1:18789 or CLAWDBOT_GATEWAY_URL)" }),
  token: Flags.string({ description: "gateway token (default CLAWDBOT_GATEWAY_TOKEN)" }),
  password: Flags.string({ description: "gateway password (default CLAWDBOT_GATEWAY_PASSWORD)" }),
  timeout: Flags.integer({ description: "milliseconds to wait for the gateway", default: 10_000, min: 1 }),
  "tls-fingerprint": Flags.string({ description: "expected SHA-256 fingerprint of the gateway's TLS certificate" }),
};

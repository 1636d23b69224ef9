import { Errors, Flags } from "@oclif/core";
import { MIN_SECRET_LENGTH } from "@clawdbot/sidecar/basics";
import { readSecretFile } from "./secret-file.js";

/** A gateway token or password flag: shorter than the config accepts is a usage error (exit 2). */
export function secretFlag(description: string) {
  return Flags.string({
    description,
    parse: async (value) => {
      if (value.length < MIN_SECRET_LENGTH) {
        throw new Errors.CLIError(`is ${value.length} characters long; a gateway secret has at least ${MIN_SECRET_LENGTH} (the same floor as gateway.auth in clawdbot.json)`);
      }
      return value;
    },
  });
}

/** A flag naming a file that holds the gateway token; parses to the token itself, which never appears in `ps`. */
export function tokenFileFlag() {
  return Flags.string({
    description: "file holding the gateway token (default CLAWDBOT_GATEWAY_TOKEN_FILE); unlike --token, not visible in the process list",
    exclusive: ["token"],
    parse: async (path) => {
      try {
        return await readSecretFile(path);
      } catch (err) {
        throw new Errors.CLIError((err as Error).message);
      }
    },
  });
}

/** Flags every command that talks to a running gateway accepts. */
export const connectionFlags = {
  url: Flags.string({ description: "gateway WebSocket URL (default: CLAWDBOT_GATEWAY_URL, else the gateway running on this state dir, else ws://127.0.0.1:<gateway.port>)" }),
  token: secretFlag("gateway token (default CLAWDBOT_GATEWAY_TOKEN); prefer --token-file or the environment, as other local users can read the command line"),
  "token-file": tokenFileFlag(),
  password: secretFlag("gateway password (default CLAWDBOT_GATEWAY_PASSWORD)"),
  timeout: Flags.integer({ description: "milliseconds to wait for the gateway", default: 10_000, min: 1 }),
  "tls-fingerprint": Flags.string({ description: "expected SHA-256 fingerprint of the gateway's TLS certificate" }),
};

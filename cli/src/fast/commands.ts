import type { Result } from "@clawdbot/protocol";
import type { GatewayClient } from "@clawdbot/protocol/client";
import { formatHealth } from "../format/health.js";
import { formatStatus } from "../format/status.js";
import { formatPairList } from "../format/pairing.js";
import { LEAN_CONNECTION_FLAGS, parseLean, type LeanFlags, type ParsedFlags } from "./argv.js";

/** What a lean command does once connected: its result, the text the full command prints, its exit code. */
export interface LeanOutcome {
  result: unknown;
  text: string;
  exit: number;
}

/** A hot command the lean path runs without oclif: parse (or decline), then one exchange with the gateway. */
export interface LeanCommand {
  /** Flags after the command id, or undefined to leave the command line to the full CLI. */
  parse(argv: readonly string[]): { flags: ParsedFlags; run: (client: GatewayClient) => Promise<LeanOutcome> } | undefined;
}

const WITH_JSON: LeanFlags = { ...LEAN_CONNECTION_FLAGS, json: { type: "boolean" } };

/** A command that calls one method without params and prints the result with `format`. */
function simple<M extends "health" | "status" | "device.pair.list">(method: M, format: (r: Result<M>) => string, exit: (r: Result<M>) => number = () => 0): LeanCommand {
  return {
    parse(argv) {
      const flags = parseLean(argv, WITH_JSON);
      if (!flags) return undefined;
      return {
        flags,
        run: async (client) => {
          const result = await client.call(method);
          return { result, text: format(result), exit: exit(result) };
        },
      };
    },
  };
}

/** `call <method> [--params JSON] [--final|--no-final]`: only a well-formed command line; the full CLI explains the rest. */
const call: LeanCommand = {
  parse(argv) {
    const [method, ...rest] = argv;
    if (method === undefined || method.startsWith("-")) return undefined;
    const noFinal = rest.filter((a) => a === "--no-final").length;
    const flags = parseLean(
      rest.filter((a) => a !== "--no-final"),
      { ...WITH_JSON, params: { type: "string" }, final: { type: "boolean" } },
    );
    if (!flags || noFinal > 1 || (noFinal === 1 && flags["final"] !== undefined)) return undefined;
    const params = objectParams(flags["params"]);
    if (params === null) return undefined;
    const expectFinal = noFinal === 0;
    return {
      flags,
      run: async (client) => {
        const result = await client.request(method, params, { expectFinal });
        return { result, text: JSON.stringify(result, null, 2), exit: 0 };
      },
    };
  },
};

/** `--params` as an object, undefined when absent, null when it is not a JSON object (the full CLI says why). */
function objectParams(raw: ParsedFlags[string]): Record<string, unknown> | undefined | null {
  if (raw === undefined) return undefined;
  try {
    const parsed = JSON.parse(String(raw)) as unknown;
    return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The hot commands by their command line (`pair list` is two words). */
export const LEAN_COMMANDS: Record<string, LeanCommand> = {
  // A configured channel that is down makes the gateway unhealthy: exit 1 (commands/health.ts).
  health: simple("health", formatHealth, (r) => (r.ok ? 0 : 1)),
  status: simple("status", formatStatus),
  "pair list": simple("device.pair.list", formatPairList),
  call,
};

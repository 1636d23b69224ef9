import { readFileSync } from "node:fs";
import { MIN_SECRET_LENGTH } from "@clawdbot/sidecar/basics";

/** A flag as the lean path understands it: the same names and checks as the command's oclif flags. */
export type LeanFlag =
  | { type: "string"; secret?: boolean; secretFile?: boolean; exclusive?: string }
  | { type: "integer"; min?: number; max?: number; default?: number }
  | { type: "boolean" };

export type LeanFlags = Record<string, LeanFlag>;
export type ParsedFlags = Record<string, string | number | boolean | undefined>;

/**
 * Parses flags exactly where the full CLI would accept them: `--name value`, `--name=value`,
 * booleans bare. Anything else — help, an unknown, repeated or malformed flag, an argument, a
 * secret under the floor — is undefined, and the full CLI runs instead to explain it the usual way.
 */
export function parseLean(argv: readonly string[], spec: LeanFlags): ParsedFlags | undefined {
  const out: ParsedFlags = {};
  for (const [name, flag] of Object.entries(spec)) if (flag.type === "integer" && flag.default !== undefined) out[name] = flag.default;
  const seen = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("--") || arg === "--") return undefined;
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const flag = spec[name];
    if (!flag || seen.has(name)) return undefined;
    seen.add(name);
    if (flag.type === "boolean") {
      if (eq !== -1) return undefined;
      out[name] = true;
      continue;
    }
    const raw = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (raw === undefined || (eq === -1 && raw.startsWith("-"))) return undefined;
    const value = leanValue(flag, raw);
    if (value === undefined) return undefined;
    out[name] = value;
  }
  for (const [name, flag] of Object.entries(spec)) if (flag.type === "string" && flag.exclusive && seen.has(name) && seen.has(flag.exclusive)) return undefined;
  return out;
}

function leanValue(flag: LeanFlag, raw: string): string | number | undefined {
  if (flag.type === "string" && flag.secretFile) return secretFromFile(raw);
  if (flag.type === "string") return flag.secret && raw.length < MIN_SECRET_LENGTH ? undefined : raw;
  if (flag.type !== "integer" || !/^-?\d+$/.test(raw)) return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || (flag.min !== undefined && n < flag.min) || (flag.max !== undefined && n > flag.max)) return undefined;
  return n;
}

/** A `--token-file` flag parses to the secret it holds, as its oclif flag does; an unreadable or short one is the full CLI's to explain. */
function secretFromFile(path: string): string | undefined {
  try {
    const secret = readFileSync(path, "utf8").trim();
    return secret.length < MIN_SECRET_LENGTH ? undefined : secret;
  } catch {
    return undefined;
  }
}

/** The connection flags of every command that talks to a running gateway (gateway-link/flags.ts). */
export const LEAN_CONNECTION_FLAGS: LeanFlags = {
  url: { type: "string" },
  token: { type: "string", secret: true },
  "token-file": { type: "string", secretFile: true, exclusive: "token" },
  password: { type: "string", secret: true },
  timeout: { type: "integer", min: 1, default: 10_000 },
  "tls-fingerprint": { type: "string" },
};

import JSON5 from "json5";
import type { ConfigFile } from "./schema.js";
import { REDACTED, redactedConfig } from "./resolve.js";
import { isPlainObject, leaves, valueAt } from "./key-paths.js";

/** A secret in a config file: where it is and what it is. */
interface Secret {
  path: string[];
  value: string;
}

/** The secrets of a file, as the config module's redaction defines them. */
export function secretsOf(file: ConfigFile): Secret[] {
  const redacted = redactedConfig(file);
  return leaves(file).flatMap(([path, value]) =>
    typeof value === "string" && valueAt(redacted, path) === REDACTED && value !== REDACTED ? [{ path, value }] : [],
  );
}

/**
 * The file's text with every secret replaced by the redaction marker, comments and layout kept.
 * A secret the text spells some other way (escapes, or in a comment) makes the whole text fall back
 * to the redacted config as JSON: a secret is never shown.
 */
export function redactText(text: string, file: ConfigFile): string {
  const secrets = secretsOf(file);
  let out = text;
  for (const s of secrets) out = out.replace(literalOf(s.value), (_m, q: string) => `${q}${REDACTED}${q}`);
  const leaked = secrets.some((s) => out.includes(s.value) || valueAt(safeParse(out), s.path) !== REDACTED);
  return leaked ? `${JSON.stringify(redactedConfig(file), null, 2)}\n` : out;
}

/** A quoted string literal holding exactly `value` (either quote). */
function literalOf(value: string): RegExp {
  return new RegExp(`(["'])${value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\1`, "g");
}

/**
 * Puts the stored secrets back where a client sent the redaction marker (it read the redacted file
 * and left the secret alone). A marker where the file holds no secret is an error: the gateway
 * never writes the marker itself as a value.
 */
export function restoreSecrets(next: unknown, current: ConfigFile): { value: unknown; restored: Secret[] } {
  const stored = secretsOf(current);
  const restored: Secret[] = [];
  const walk = (v: unknown, path: string[]): unknown => {
    if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, [...path, k])]));
    if (v !== REDACTED) return v;
    const s = stored.find((x) => x.path.join(".") === path.join("."));
    if (!s) throw new RedactedValueError(path.join("."));
    restored.push(s);
    return s.value;
  };
  return { value: walk(next, []), restored };
}

/**
 * The same restoration on text, so the file keeps its comments: the markers, in order, become the
 * restored values. Undefined when the text does not line up with the parsed markers (a marker in a
 * comment, say); the caller then writes the parsed document instead.
 */
export function restoreSecretsInText(text: string, restored: Secret[]): string | undefined {
  let i = 0;
  const out = text.replace(literalOf(REDACTED), (m, q: string) => {
    const s = restored[i++];
    return s ? `${q}${escapeFor(s.value, q)}${q}` : m;
  });
  if (i !== restored.length) return undefined;
  const parsed = safeParse(out);
  return restored.every((s) => valueAt(parsed, s.path) === s.value) ? out : undefined;
}

function escapeFor(value: string, quote: string): string {
  return value.replace(/\\/g, "\\\\").replace(new RegExp(quote, "g"), `\\${quote}`).replace(/\n/g, "\\n").replace(/\r/g, "\\r");
}

function safeParse(text: string): unknown {
  try {
    return JSON5.parse(text);
  } catch {
    return undefined;
  }
}

/** The redaction marker where the stored file holds no secret to put back. */
export class RedactedValueError extends Error {
  constructor(readonly path: string) {
    super(`${path}: "${REDACTED}" is the placeholder for a stored secret, and there is none here; write the value itself`);
    this.name = "RedactedValueError";
  }
}

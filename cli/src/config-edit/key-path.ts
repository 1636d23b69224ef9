import JSON5 from "json5";
import type { Result } from "@clawdbot/protocol";
import type { GatewayClient } from "@clawdbot/protocol/client";

/** `channels.telegram.dmPolicy` → its keys; empty segments are refused. */
export function parseKeyPath(path: string): string[] | undefined {
  const keys = path.split(".");
  return keys.every((k) => k.length > 0) ? keys : undefined;
}

/** A value as typed on the command line: JSON5 when it parses (numbers, booleans, arrays, objects), else the text itself. */
export function parseValue(text: string): unknown {
  try {
    return JSON5.parse(text);
  } catch {
    return text;
  }
}

/** The merge patch that sets (or with null removes) the key at `keys`. */
export function patchFor(keys: string[], value: unknown): Record<string, unknown> {
  return keys.reduceRight<unknown>((inner, key) => ({ [key]: inner }), value) as Record<string, unknown>;
}

/** The value at `keys`, or undefined. */
export function valueAt(doc: unknown, keys: string[]): unknown {
  let cur = doc;
  for (const k of keys) {
    if (cur === null || typeof cur !== "object" || Array.isArray(cur) || !Object.prototype.hasOwnProperty.call(cur, k)) return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

/** What a write did, in a sentence or two. */
export function describeWrite(res: Result<"config.patch">): string {
  if (res.changed.length === 0) return "no change";
  const lines = [`changed ${res.changed.join(", ")}`];
  if (res.live.length > 0) lines.push(`applied now: ${res.live.join(", ")}`);
  if (res.restartRequired.length > 0) {
    lines.push(`after a restart: ${res.restartRequired.join(", ")}${res.restart.scheduled ? ` (restarting in ${res.restart.delayMs ?? 0} ms)` : res.restart.reason ? ` — ${res.restart.reason}` : ""}`);
  }
  for (const w of res.warnings) lines.push(`note: ${w}`);
  return lines.join("\n");
}

/** Sets (or with null removes) one key through config.patch, against the file as it is now. */
export async function patchKey(c: GatewayClient, keys: string[], value: unknown, restartDelayMs: number | undefined): Promise<Result<"config.patch">> {
  const { hash, exists } = await c.call("config.get");
  return c.call("config.patch", {
    raw: JSON.stringify(patchFor(keys, value)),
    ...(exists ? { baseHash: hash } : {}),
    ...(restartDelayMs !== undefined ? { restartDelayMs } : {}),
  });
}

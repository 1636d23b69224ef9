import type { GatewayClient } from "@clawdbot/protocol/client";
import { CliError } from "../cli-error.js";

/** Something named on the command line by id (or, for nodes, by display name). */
export interface Candidate {
  readonly id: string;
  readonly name?: string | undefined;
}

/**
 * The id `ref` stands for: the full id, any unambiguous prefix of it (lists print ids cut with
 * "…", which may be pasted back), or a unique display name (case-insensitive).
 */
export function resolveId(ref: string, candidates: readonly Candidate[], what: string, listCommand: string): string {
  const typed = ref.trim().replace(/…$/, "");
  if (candidates.some((c) => c.id === typed)) return typed;
  const byName = candidates.filter((c) => c.name !== undefined && c.name.toLowerCase() === typed.toLowerCase());
  const byPrefix = typed === "" ? [] : candidates.filter((c) => c.id.toLowerCase().startsWith(typed.toLowerCase()));
  const hits = byName.length > 0 ? byName : byPrefix;
  if (hits.length === 1) return hits[0]!.id;
  if (hits.length > 1) {
    const shown = hits.slice(0, 4).map((c) => `${c.id.slice(0, typed.length + 4)}…`);
    throw new CliError("usage", `"${ref}" matches ${hits.length} ${what}s (${shown.join(", ")}${hits.length > 4 ? ", …" : ""}); type more of the id`);
  }
  throw new CliError("NOT_FOUND", `no ${what} "${ref}"; see \`${listCommand}\``);
}

/** A paired device named by id or id prefix (as `devices list` prints it). */
export async function resolveDevice(client: GatewayClient, ref: string): Promise<string> {
  const { paired } = await client.call("device.pair.list");
  return resolveId(ref, paired.map((d) => ({ id: d.deviceId, name: d.displayName })), "paired device", "clawdbot devices list");
}

import { Type, type Static } from "@sinclair/typebox";
import { ConfigError } from "../config/errors.js";

/** Which groups the bot serves: only those listed in `groups`, any, or none. */
export const GroupPolicySchema = Type.Union([Type.Literal("allowlist"), Type.Literal("open"), Type.Literal("disabled")]);
export type GroupPolicy = Static<typeof GroupPolicySchema>;

const GroupEntry = Type.Object(
  {
    allow: Type.Optional(Type.Boolean({ description: "serve this group (default true for a listed group)" })),
    requireMention: Type.Optional(Type.Boolean({ description: "answer only when mentioned (default true)" })),
  },
  { additionalProperties: false },
);

/** `groups: {<id>: {allow, requireMention}}`, keyed by the channel's group id; `*` sets defaults. */
export const GroupsSchema = (keyDescription: string) =>
  Type.Record(Type.String({ minLength: 1, description: keyDescription }), GroupEntry, { description: "per-group settings" });
export type GroupsFile = Static<ReturnType<typeof GroupsSchema>>;

/** What a `groupPolicy` + `groups` pair means for the shared access policy. */
export interface ResolvedGroups {
  readonly groupsEnabled: boolean;
  readonly requireMention: boolean;
  readonly groupAllow: readonly string[] | undefined;
  readonly groupRequireMention: Readonly<Record<string, boolean>>;
  readonly deniedGroups: readonly string[];
}

/**
 * Maps the group settings to access-policy terms, group ids turned into chat ids by `chatId`.
 * Under "allowlist" only listed groups (allow not false) are served; under "open" any group
 * except those listed with `allow: false`.
 */
export function resolveGroups(policy: GroupPolicy | undefined, groups: GroupsFile | undefined, chatId: (groupId: string) => string): ResolvedGroups {
  const entries = Object.entries(groups ?? {}).filter(([id]) => id !== "*");
  const defaults = groups?.["*"];
  const p = policy ?? "allowlist";
  return {
    groupsEnabled: p !== "disabled",
    requireMention: defaults?.requireMention ?? true,
    groupAllow: p === "allowlist" ? entries.filter(([, g]) => g.allow !== false).map(([id]) => chatId(id)) : undefined,
    groupRequireMention: Object.fromEntries(entries.filter(([, g]) => g.requireMention !== undefined).map(([id, g]) => [chatId(id), g.requireMention!])),
    deniedGroups: entries.filter(([, g]) => g.allow === false).map(([id]) => chatId(id)),
  };
}

/**
 * Checks mention patterns and keeps them as text (the resolved config is compared as JSON on
 * reload, which a RegExp would hide); a pattern that is not a valid expression is a config error.
 */
export function checkMentionPatterns(patterns: readonly string[] | undefined, path: string): string[] {
  return (patterns ?? []).map((p, i) => {
    try {
      mentionRegExp(p);
    } catch (err) {
      throw new ConfigError(`${path}[${i}]: not a regular expression (${(err as Error).message})`);
    }
    return p;
  });
}

/** A mention pattern as matched: case-insensitive, Unicode-aware. */
export function mentionRegExp(pattern: string): RegExp {
  return new RegExp(pattern, "iu");
}

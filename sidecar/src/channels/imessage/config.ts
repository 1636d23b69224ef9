import { Type, type Static } from "@sinclair/typebox";
import { ConfigError } from "../../config/errors.js";
import { DmPolicySchema, type ChannelAccount } from "../access-schema.js";
import { GroupPolicySchema, GroupsSchema, checkMentionPatterns, resolveGroups } from "../group-config.js";
import type { Env } from "../module.js";

/** The cliPath that means "imsg on this Mac"; anything else may be a wrapper that reaches another Mac. */
export const DEFAULT_IMSG = "imsg";

/** One iMessage account in clawdbot.json (`channels.imessage`, or one of `channels.imessage.accounts`). */
export const IMessageAccountSchema = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean()),
    cliPath: Type.Optional(Type.String({ minLength: 1, description: "imsg executable, or a wrapper that runs `imsg` on a Mac over SSH (default: imsg)" })),
    dbPath: Type.Optional(Type.String({ minLength: 1, description: "Messages database (default: imsg's, ~/Library/Messages/chat.db)" })),
    service: Type.Optional(Type.Union([Type.Literal("auto"), Type.Literal("imessage"), Type.Literal("sms")], { description: "how replies are sent" })),
    region: Type.Optional(Type.String({ pattern: "^[A-Z]{2}$", description: "region for phone numbers without a country code (imsg's default: US)" })),
    startupTimeoutMs: Type.Optional(Type.Integer({ minimum: 1000, maximum: 600_000 })),
    dmPolicy: Type.Optional(DmPolicySchema),
    allowFrom: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: "handles: E.164 numbers or email addresses" })),
    owners: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    groupPolicy: Type.Optional(GroupPolicySchema),
    groups: Type.Optional(GroupsSchema("imsg chat_id, or * for every group")),
    mentionPatterns: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: "regular expressions that count as a mention in groups (iMessage has no mentions of its own)" })),
    mediaMaxMb: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 100 })),
    includeAttachments: Type.Optional(Type.Boolean({ description: "pass received attachments to the agent (default true)" })),
  },
  { additionalProperties: false },
);
export type IMessageAccountFile = Static<typeof IMessageAccountSchema>;

export interface IMessageConfig extends ChannelAccount {
  readonly cliPath: string;
  readonly dbPath: string | undefined;
  readonly service: "auto" | "imessage" | "sms";
  readonly region: string | undefined;
  readonly startupTimeoutMs: number;
  readonly mentionPatterns: readonly string[];
  readonly deniedGroups: readonly string[];
  readonly mediaMaxBytes: number;
  readonly includeAttachments: boolean;
}

/** Chat id of an iMessage group: imsg's chat_id. */
export const chatIdOfGroup = (chatId: number | string) => `chat:${chatId}`;

/** A handle as policy and sessions see it: numbers as given, email addresses lower-cased. */
export function normalizeHandle(handle: string): string {
  const h = handle.trim();
  return h.includes("@") ? h.toLowerCase() : h.replace(/[\s()-]/g, "");
}

export function resolveIMessage(f: IMessageAccountFile, _env: Env, at: { id: string; isDefault: boolean; path: string }): IMessageConfig {
  for (const id of Object.keys(f.groups ?? {})) {
    if (id !== "*" && !/^\d+$/.test(id)) throw new ConfigError(`${at.path}.groups: "${id}" is not an imsg chat_id (a number; see imsg chats)`);
  }
  return {
    accountId: at.id,
    enabled: f.enabled !== false,
    cliPath: f.cliPath ?? DEFAULT_IMSG,
    dbPath: f.dbPath,
    service: f.service ?? "auto",
    region: f.region,
    startupTimeoutMs: f.startupTimeoutMs ?? 30_000,
    dmPolicy: f.dmPolicy ?? "pairing",
    allowFrom: (f.allowFrom ?? []).map(normalizeHandle),
    owners: (f.owners ?? []).map(normalizeHandle),
    ...resolveGroups(f.groupPolicy, f.groups, chatIdOfGroup),
    mentionPatterns: checkMentionPatterns(f.mentionPatterns, `${at.path}.mentionPatterns`),
    mediaMaxBytes: Math.round((f.mediaMaxMb ?? 16) * 1024 * 1024),
    includeAttachments: f.includeAttachments ?? true,
  };
}

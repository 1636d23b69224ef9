import { Type, type Static } from "@sinclair/typebox";
import { ConfigError } from "../../config/errors.js";
import { AckReactionSchema, DmPolicySchema, resolveAckReaction, type ChannelAccount } from "../access-schema.js";
import { GroupPolicySchema, GroupsSchema, checkMentionPatterns, resolveGroups } from "../group-config.js";
import type { Env } from "../module.js";

const E164 = "^\\+[1-9][0-9]{6,14}$";

/** One Signal account in clawdbot.json (`channels.signal`, or one of `channels.signal.accounts`). */
export const SignalAccountSchema = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean()),
    account: Type.Optional(Type.String({ pattern: E164, description: "the Signal account's phone number (E.164), as registered with signal-cli" })),
    accountUuid: Type.Optional(Type.String({ minLength: 1, description: "the account's UUID (ACI); asked of the daemon when absent" })),
    httpUrl: Type.Optional(Type.String({ pattern: "^https?://", description: "a signal-cli HTTP daemon someone else runs; the gateway then starts none" })),
    cliPath: Type.Optional(Type.String({ minLength: 1, description: "signal-cli executable (default: signal-cli on PATH)" })),
    autoStart: Type.Optional(Type.Boolean({ description: "spawn and supervise `signal-cli daemon --http` (default: true unless httpUrl is set)" })),
    startupTimeoutMs: Type.Optional(Type.Integer({ minimum: 1000, maximum: 600_000 })),
    receiveMode: Type.Optional(Type.Union([Type.Literal("on-start"), Type.Literal("on-connection")], { description: "when the spawned daemon starts taking messages off the Signal server" })),
    sendReadReceipts: Type.Optional(Type.Boolean({ description: "send read receipts for messages the agent answers" })),
    dmPolicy: Type.Optional(DmPolicySchema),
    allowFrom: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: "E.164 numbers or uuid:<id>" })),
    owners: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    groupPolicy: Type.Optional(GroupPolicySchema),
    groups: Type.Optional(GroupsSchema("base64 group id, or * for every group")),
    mentionPatterns: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: "regular expressions that count as a mention in groups" })),
    mediaMaxMb: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 100 })),
    ackReaction: Type.Optional(AckReactionSchema),
    eventsIdleMs: Type.Optional(Type.Integer({ minimum: 1000, maximum: 3_600_000, description: "reopen the event stream after this long without a byte (signal-cli sends a keep-alive every 15 s)" })),
  },
  { additionalProperties: false },
);
export type SignalAccountFile = Static<typeof SignalAccountSchema>;

export interface SignalConfig extends ChannelAccount {
  readonly account: string;
  readonly accountUuid: string | undefined;
  /** The daemon to talk to; undefined when the gateway spawns one (its address is picked at start). */
  readonly httpUrl: string | undefined;
  readonly autoStart: boolean;
  readonly cliPath: string;
  readonly startupTimeoutMs: number;
  readonly receiveMode: "on-start" | "on-connection";
  readonly sendReadReceipts: boolean;
  readonly mentionPatterns: readonly string[];
  /** Groups named with `allow: false` (dropped even under groupPolicy "open"). */
  readonly deniedGroups: readonly string[];
  readonly mediaMaxBytes: number;
  readonly eventsIdleMs: number;
}

/** A Signal address as policy and sessions see it: E.164, or `uuid:<id>` for a UUID-only sender. */
export function signalAddress(number: string | null | undefined, uuid: string | null | undefined): string | undefined {
  if (number) return number;
  if (uuid) return `uuid:${uuid.toLowerCase()}`;
  return undefined;
}

/**
 * Chat id of a Signal group: its id in URL-safe base64 without padding, because chat ids become
 * session keys and file names ("/" and "=" may appear in signal-cli's base64 ids).
 */
export function groupChatId(groupId: string): string {
  return `group:${groupId.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")}`;
}

/** The group id signal-cli expects (standard base64) from a group chat id. */
export function groupIdOfChat(chatId: string): string {
  const url = chatId.slice("group:".length).replace(/-/g, "+").replace(/_/g, "/");
  return url + "=".repeat((4 - (url.length % 4)) % 4);
}

function normalizeAllow(entry: string, path: string): string {
  const s = entry.trim();
  if (/^uuid:/i.test(s)) return `uuid:${s.slice(5).toLowerCase()}`;
  if (new RegExp(E164).test(s)) return s;
  throw new ConfigError(`${path}: "${entry}" is neither an E.164 number nor uuid:<id>`);
}

/** Defaults; with httpUrl the gateway uses that daemon, otherwise it spawns its own. */
export function resolveSignal(f: SignalAccountFile, _env: Env, at: { id: string; isDefault: boolean; path: string }): SignalConfig {
  if (!f.account) throw new ConfigError(`${at.path}.account: set the Signal account's phone number (E.164, e.g. +15551234567)`);
  if (f.httpUrl && f.autoStart === true) throw new ConfigError(`${at.path}: httpUrl names a daemon someone else runs; remove autoStart or httpUrl`);
  if (!f.httpUrl && f.autoStart === false) throw new ConfigError(`${at.path}: autoStart is off and no httpUrl is set; the gateway has no daemon to talk to`);
  const groups = resolveGroups(f.groupPolicy, f.groups, groupChatId);
  return {
    accountId: at.id,
    enabled: f.enabled !== false,
    account: f.account,
    accountUuid: f.accountUuid?.toLowerCase(),
    httpUrl: f.httpUrl?.replace(/\/+$/, ""),
    autoStart: !f.httpUrl,
    cliPath: f.cliPath ?? "signal-cli",
    startupTimeoutMs: f.startupTimeoutMs ?? 60_000,
    receiveMode: f.receiveMode ?? "on-connection",
    sendReadReceipts: f.sendReadReceipts ?? false,
    dmPolicy: f.dmPolicy ?? "pairing",
    allowFrom: (f.allowFrom ?? []).map((e, i) => normalizeAllow(e, `${at.path}.allowFrom[${i}]`)),
    owners: (f.owners ?? []).map((e, i) => normalizeAllow(e, `${at.path}.owners[${i}]`)),
    ...groups,
    mentionPatterns: checkMentionPatterns(f.mentionPatterns, `${at.path}.mentionPatterns`),
    mediaMaxBytes: Math.round((f.mediaMaxMb ?? 8) * 1024 * 1024),
    eventsIdleMs: f.eventsIdleMs ?? 60_000,
    ...(f.ackReaction ? { ackReaction: resolveAckReaction(f.ackReaction)! } : {}),
  };
}

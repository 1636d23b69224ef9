import { Type, type Static } from "@sinclair/typebox";
import { ConfigError } from "../../config/errors.js";
import { AckReactionSchema, DmPolicySchema, resolveAckReaction, type ChannelAccount } from "../access-schema.js";
import type { Env } from "../module.js";

/** WhatsApp's own WebSocket endpoint; `webSocketUrl` is the one place it can be changed. */
export const WHATSAPP_WS_URL = "wss://web.whatsapp.com/ws/chat";
/** The WhatsApp Web version we speak, pinned so nothing is fetched at run time. */
export const WHATSAPP_WEB_VERSION: readonly [number, number, number] = [2, 3000, 1043857760];

const E164 = Type.String({ pattern: "^\\+[1-9][0-9]{6,15}$", description: "phone number in E.164 form, e.g. +15551234567" });

/** One linked WhatsApp number in clawdbot.json (`channels.whatsapp`, or one of its `accounts`). */
export const WhatsAppAccountSchema = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean()),
    dmPolicy: Type.Optional(DmPolicySchema),
    allowFrom: Type.Optional(Type.Array(E164)),
    owners: Type.Optional(Type.Array(E164)),
    selfChatMode: Type.Optional(Type.Boolean({ description: "the gateway runs on your personal number: only your own chat (Message yourself) reaches the agent" })),
    groupPolicy: Type.Optional(Type.Union([Type.Literal("allowlist"), Type.Literal("open"), Type.Literal("disabled")])),
    groups: Type.Optional(
      Type.Record(
        Type.String({ pattern: "^(\\*|[0-9-]+@g\\.us)$" }),
        Type.Object({ requireMention: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
        { additionalProperties: false, description: "group JIDs the bot answers in (with groupPolicy allowlist); \"*\" sets the default" },
      ),
    ),
    mentionPatterns: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: "regular expressions (case-insensitive) that count as mentioning the bot" })),
    mediaMaxMb: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 2048 })),
    sendReadReceipts: Type.Optional(Type.Boolean()),
    ackReaction: Type.Optional(AckReactionSchema),
    sendPresence: Type.Optional(Type.Boolean({ description: "announce the linked device as available when connected" })),
    webSocketUrl: Type.Optional(Type.String({ pattern: "^wss?://" })),
    webVersion: Type.Optional(Type.Tuple([Type.Integer({ minimum: 0 }), Type.Integer({ minimum: 0 }), Type.Integer({ minimum: 0 })])),
    connectTimeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 600_000 })),
    keepAliveIntervalMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 600_000 })),
    watchdogMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 86_400_000, description: "reconnect an open socket that delivered nothing for this long" })),
    reconnect: Type.Optional(
      Type.Object(
        { initialMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 600_000 })), maxMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 3_600_000 })) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type WhatsAppAccountFile = Static<typeof WhatsAppAccountSchema>;

export interface WhatsAppConfig extends ChannelAccount {
  readonly selfChatMode: boolean;
  readonly mentionPatterns: readonly string[];
  readonly mediaMaxBytes: number;
  readonly sendPresence: boolean;
  readonly webSocketUrl: string;
  readonly webVersion: readonly [number, number, number];
  readonly connectTimeoutMs: number;
  readonly keepAliveIntervalMs: number;
  readonly watchdogMs: number;
  readonly reconnect: { readonly initialMs: number; readonly maxMs: number };
}

/** Defaults; group policy maps onto the shared access fields. */
export function resolveWhatsApp(w: WhatsAppAccountFile, _env: Env, account: { id: string; path: string }): WhatsAppConfig {
  const groups = w.groups ?? {};
  const policy = w.groupPolicy ?? "allowlist";
  const named = Object.keys(groups).filter((g) => g !== "*");
  for (const p of w.mentionPatterns ?? []) {
    try {
      new RegExp(p, "i");
    } catch (err) {
      throw new ConfigError(`${account.path}.mentionPatterns: ${JSON.stringify(p)} is not a regular expression: ${(err as Error).message}`);
    }
  }
  const selfChatMode = w.selfChatMode ?? false;
  const ack = resolveAckReaction(w.ackReaction);
  return {
    accountId: account.id,
    enabled: w.enabled !== false,
    dmPolicy: w.dmPolicy ?? "pairing",
    allowFrom: w.allowFrom ?? [],
    owners: w.owners ?? [],
    groupsEnabled: policy !== "disabled",
    groupAllow: policy === "allowlist" ? named : undefined,
    requireMention: groups["*"]?.requireMention ?? true,
    groupRequireMention: Object.fromEntries(named.flatMap((g) => (groups[g]?.requireMention === undefined ? [] : [[g, groups[g]!.requireMention!]]))),
    // Marking messages read on your own phone would hide them from you.
    sendReadReceipts: selfChatMode ? false : (w.sendReadReceipts ?? true),
    ...(ack ? { ackReaction: ack } : {}),
    selfChatMode,
    mentionPatterns: w.mentionPatterns ?? [],
    mediaMaxBytes: Math.round((w.mediaMaxMb ?? 50) * 1024 * 1024),
    sendPresence: w.sendPresence ?? false,
    webSocketUrl: w.webSocketUrl ?? WHATSAPP_WS_URL,
    webVersion: w.webVersion ?? WHATSAPP_WEB_VERSION,
    connectTimeoutMs: w.connectTimeoutMs ?? 20_000,
    keepAliveIntervalMs: w.keepAliveIntervalMs ?? 30_000,
    watchdogMs: w.watchdogMs ?? 30 * 60_000,
    reconnect: { initialMs: w.reconnect?.initialMs ?? 2000, maxMs: w.reconnect?.maxMs ?? 60_000 },
  };
}

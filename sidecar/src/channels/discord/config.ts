import { Type, type Static } from "@sinclair/typebox";
import { ConfigError } from "../../config/errors.js";
import type { ChannelAccount, ReplyToMode } from "../access-schema.js";
import { ackOf, chatAccessKeys, ChatRuleSchema, type ChatRule } from "../chat-rules.js";
import type { Env } from "../module.js";

/** One guild's rules: which channels, which people, mentions. */
const GuildRuleSchema = Type.Object(
  {
    channels: Type.Optional(Type.Record(Type.String({ minLength: 1 }), ChatRuleSchema, { description: "channel ids the bot answers in (threads follow their parent); \"*\" for the rest" })),
    users: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: "only these people (user ids) in this guild" })),
    requireMention: Type.Optional(Type.Boolean({ description: "default for this guild's channels (true)" })),
  },
  { additionalProperties: false },
);
export type GuildRule = Static<typeof GuildRuleSchema>;

/** One Discord bot in clawdbot.json (`channels.discord`, or one of `channels.discord.accounts`). */
export const DiscordAccountSchema = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean()),
    token: Type.Optional(Type.String({ minLength: 1, description: "bot token (Developer Portal → Bot → Reset Token)" })),
    apiBase: Type.Optional(Type.String({ minLength: 1, description: "REST base; the gateway URL comes from its GET /gateway/bot" })),
    ...chatAccessKeys("Discord user ids"),
    guilds: Type.Optional(Type.Record(Type.String({ minLength: 1 }), GuildRuleSchema, { description: "guild ids the bot answers in; \"*\" for the rest" })),
  },
  { additionalProperties: false },
);
export type DiscordAccountFile = Static<typeof DiscordAccountSchema>;

export interface DiscordConfig extends ChannelAccount {
  readonly token: string;
  readonly apiBase: string;
  /** Undefined: every guild the bot is in, every channel, mention required. */
  readonly guilds: Readonly<Record<string, GuildRule>> | undefined;
  readonly replyToMode: ReplyToMode;
}

export const DISCORD_API_BASE = "https://discord.com/api";

/** Defaults and the DISCORD_BOT_TOKEN fallback (default account only). */
export function resolveDiscord(f: DiscordAccountFile, env: Env, account: { id: string; isDefault: boolean; path: string }): DiscordConfig {
  const token = f.token ?? (account.isDefault ? env["DISCORD_BOT_TOKEN"] : undefined);
  if (!token) throw new ConfigError(`${account.path}: set ${account.path}.token${account.isDefault ? " or DISCORD_BOT_TOKEN" : ""} (Developer Portal → your application → Bot → Reset Token)`);
  return {
    accountId: account.id,
    enabled: f.enabled !== false,
    token: token.replace(/^Bot\s+/i, ""),
    apiBase: (f.apiBase ?? DISCORD_API_BASE).replace(/\/+$/, ""),
    guilds: f.guilds,
    replyToMode: f.replyToMode ?? "off",
    dmPolicy: f.dmPolicy ?? "pairing",
    allowFrom: f.allowFrom ?? [],
    owners: f.owners ?? [],
    // Guild and channel rules (threads follow their parent) are the adapter's.
    groupsEnabled: true,
    requireMention: false,
    groupAllow: undefined,
    ...ackOf(f.ackReaction, "👀"),
  };
}

/** The rule for a guild channel: the guild's entry (or "*"), then the channel's (or "*"); undefined when not allowed. */
export function guildChannelRule(guilds: DiscordConfig["guilds"], guildId: string, channelId: string): { rule: ChatRule; users: readonly string[] | undefined } | undefined {
  const guild = guilds ? (guilds[guildId] ?? guilds["*"]) : {};
  if (!guild) return undefined;
  const channel = guild.channels ? (guild.channels[channelId] ?? guild.channels["*"]) : {};
  if (!channel) return undefined;
  return { rule: { ...channel, requireMention: channel.requireMention ?? guild.requireMention ?? true }, users: guild.users };
}

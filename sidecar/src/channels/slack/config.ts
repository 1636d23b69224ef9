import { Type, type Static } from "@sinclair/typebox";
import { ConfigError } from "../../config/errors.js";
import type { ChannelAccount, ReplyToMode } from "../access-schema.js";
import { ackOf, chatAccessKeys, ChatRuleSchema, type ChatRules } from "../chat-rules.js";
import type { Env } from "../module.js";

/** One Slack app in clawdbot.json (`channels.slack`, or one of `channels.slack.accounts`). */
export const SlackAccountSchema = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean()),
    mode: Type.Optional(Type.Union([Type.Literal("socket"), Type.Literal("http")], { description: "socket (default): Socket Mode, no public URL; http: Slack posts events to /slack/events" })),
    botToken: Type.Optional(Type.String({ minLength: 1, description: "bot token, xoxb-…" })),
    appToken: Type.Optional(Type.String({ minLength: 1, description: "app-level token with connections:write, xapp-… (Socket Mode)" })),
    signingSecret: Type.Optional(Type.String({ minLength: 1, description: "signing secret (HTTP mode)" })),
    apiUrl: Type.Optional(Type.String({ minLength: 1, description: "Web API base for every call, apps.connections.open included" })),
    ...chatAccessKeys("Slack user ids (U…)"),
    channels: Type.Optional(Type.Record(Type.String({ minLength: 1 }), ChatRuleSchema, { description: "channel ids (C…/G…) the bot answers in; \"*\" for the rest" })),
  },
  { additionalProperties: false },
);
export type SlackAccountFile = Static<typeof SlackAccountSchema>;

export interface SlackConfig extends ChannelAccount {
  readonly mode: "socket" | "http";
  readonly botToken: string;
  readonly appToken: string | undefined;
  readonly signingSecret: string | undefined;
  readonly apiUrl: string;
  /** Undefined: every channel the bot is a member of, mention required. */
  readonly channels: ChatRules | undefined;
  readonly replyToMode: ReplyToMode;
  /** Where HTTP mode receives events on the gateway's port. */
  readonly eventsPath: string;
}

export const SLACK_API_URL = "https://slack.com/api/";

/** Defaults, SLACK_BOT_TOKEN / SLACK_APP_TOKEN / SLACK_SIGNING_SECRET (default account only), and the checks each mode needs. */
export function resolveSlack(f: SlackAccountFile, env: Env, account: { id: string; isDefault: boolean; path: string }): SlackConfig {
  const fromEnv = (name: string) => (account.isDefault ? env[name] : undefined);
  const or = (name: string) => (account.isDefault ? ` or ${name}` : "");
  const mode = f.mode ?? "socket";
  const botToken = f.botToken ?? fromEnv("SLACK_BOT_TOKEN");
  const appToken = f.appToken ?? fromEnv("SLACK_APP_TOKEN");
  const signingSecret = f.signingSecret ?? fromEnv("SLACK_SIGNING_SECRET");
  if (!botToken) throw new ConfigError(`${account.path}: set ${account.path}.botToken${or("SLACK_BOT_TOKEN")} (the app's Bot User OAuth Token, xoxb-…)`);
  if (!botToken.startsWith("xoxb-")) throw new ConfigError(`${account.path}.botToken: expected a bot token (xoxb-…); user (xoxp-) and app-level (xapp-) tokens cannot run the bot`);
  if (mode === "socket") {
    if (!appToken) throw new ConfigError(`${account.path}: Socket Mode needs ${account.path}.appToken${or("SLACK_APP_TOKEN")} (an app-level token with connections:write, xapp-…), or set mode "http"`);
    if (!appToken.startsWith("xapp-")) throw new ConfigError(`${account.path}.appToken: expected an app-level token (xapp-…)`);
  } else if (!signingSecret) {
    throw new ConfigError(`${account.path}: HTTP mode needs ${account.path}.signingSecret${or("SLACK_SIGNING_SECRET")} (Basic Information → Signing Secret)`);
  }
  const apiUrl = f.apiUrl ?? SLACK_API_URL;
  return {
    accountId: account.id,
    enabled: f.enabled !== false,
    mode,
    botToken,
    appToken: mode === "socket" ? appToken : undefined,
    signingSecret: mode === "http" ? signingSecret : undefined,
    apiUrl: apiUrl.endsWith("/") ? apiUrl : `${apiUrl}/`,
    channels: f.channels,
    replyToMode: f.replyToMode ?? "off",
    eventsPath: account.isDefault ? "/slack/events" : `/slack/events/${account.id}`,
    dmPolicy: f.dmPolicy ?? "pairing",
    allowFrom: f.allowFrom ?? [],
    owners: f.owners ?? [],
    // Channel rules (allow, users, mentions, threads) are the adapter's: it knows threads and members.
    groupsEnabled: true,
    requireMention: false,
    groupAllow: undefined,
    ...ackOf(f.ackReaction, "eyes"),
  };
}

/** The file keys with the tokens and secret masked. */
export function redactSlack(f: SlackAccountFile): SlackAccountFile {
  const mask = <T>(v: T | undefined) => (v === undefined ? undefined : "[redacted]");
  const out: Record<string, unknown> = { ...f, botToken: mask(f.botToken), appToken: mask(f.appToken), signingSecret: mask(f.signingSecret) };
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out as SlackAccountFile;
}

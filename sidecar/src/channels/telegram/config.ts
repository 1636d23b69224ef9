import { Type, type Static } from "@sinclair/typebox";
import { ConfigError } from "../../config/errors.js";
import { DmPolicySchema, type ChannelAccount } from "../access-schema.js";
import type { Env } from "../module.js";

/** One Telegram bot in clawdbot.json (`channels.telegram`, or one of `channels.telegram.accounts`). */
export const TelegramAccountSchema = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean()),
    botToken: Type.Optional(Type.String({ minLength: 1 })),
    apiRoot: Type.Optional(Type.String({ minLength: 1 })),
    dmPolicy: Type.Optional(DmPolicySchema),
    allowFrom: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    owners: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    groups: Type.Optional(
      Type.Object(
        {
          enabled: Type.Optional(Type.Boolean()),
          requireMention: Type.Optional(Type.Boolean()),
          // Without it anyone who adds the bot to a group can reach the agent there.
          allow: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: "group chat ids the bot answers in" })),
        },
        { additionalProperties: false },
      ),
    ),
    pollTimeoutSec: Type.Optional(Type.Integer({ minimum: 0, maximum: 50 })),
    staleAfterMs: Type.Optional(Type.Integer({ minimum: 1000, maximum: 3_600_000 })),
  },
  { additionalProperties: false },
);
export type TelegramAccountFile = Static<typeof TelegramAccountSchema>;

export interface TelegramConfig extends ChannelAccount {
  readonly botToken: string;
  readonly apiRoot: string;
  readonly pollTimeoutSec: number;
  readonly staleAfterMs: number;
}

/** Defaults and the TELEGRAM_BOT_TOKEN fallback (default account only). */
export function resolveTelegram(t: TelegramAccountFile, env: Env, account: { id: string; isDefault: boolean; path: string }): TelegramConfig {
  const botToken = t.botToken ?? (account.isDefault ? env["TELEGRAM_BOT_TOKEN"] : undefined);
  if (!botToken) throw new ConfigError(`${account.path}: set ${account.path}.botToken${account.isDefault ? " or TELEGRAM_BOT_TOKEN" : ""}`);
  return {
    accountId: account.id,
    enabled: t.enabled !== false,
    botToken,
    apiRoot: t.apiRoot ?? "https://api.telegram.org",
    pollTimeoutSec: t.pollTimeoutSec ?? 30,
    staleAfterMs: t.staleAfterMs ?? 120_000,
    dmPolicy: t.dmPolicy ?? "pairing",
    allowFrom: t.allowFrom ?? [],
    owners: t.owners ?? [],
    groupsEnabled: t.groups?.enabled ?? true,
    requireMention: t.groups?.requireMention ?? true,
    groupAllow: t.groups?.allow,
  };
}

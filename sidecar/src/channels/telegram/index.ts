import { defineChannel } from "../module.js";
import { TelegramAccountSchema, resolveTelegram } from "./config.js";

/** Telegram bots through grammY (Bot API long polling). */
export const telegram = defineChannel({
  id: "telegram",
  label: "Telegram",
  detailLabel: "Telegram Bot",
  textLimit: 4096,
  accountSchema: TelegramAccountSchema,
  resolve: resolveTelegram,
  redact: (file) => (file.botToken === undefined ? file : { ...file, botToken: "[redacted]" }),
  secrets: (account) => [account.botToken],
  // A quiet chat keeps a long poll open for pollTimeoutSec; that is not silence.
  staleAfterMs: (account) => Math.max(account.staleAfterMs, account.pollTimeoutSec * 1000 + 5000),
  create: async (deps) => {
    const { TelegramAdapter } = await import("./adapter.js");
    return new TelegramAdapter({ config: deps.account, stateDir: deps.stateDir, log: deps.log, now: deps.now });
  },
});

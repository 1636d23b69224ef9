import { defineChannel } from "../module.js";
import { DISCORD_MAX_LINES, DISCORD_TEXT_LIMIT, discordChunks } from "./chunk.js";
import { DiscordAccountSchema, resolveDiscord } from "./config.js";

/** Discord bots through discord.js (gateway v10 and REST). */
export const discord = defineChannel({
  id: "discord",
  label: "Discord",
  detailLabel: "Discord Bot",
  textLimit: DISCORD_TEXT_LIMIT,
  chunk: (text) => discordChunks(text, DISCORD_TEXT_LIMIT, DISCORD_MAX_LINES),
  accountSchema: DiscordAccountSchema,
  resolve: resolveDiscord,
  redact: (f) => (f.token === undefined ? f : { ...f, token: "[redacted]" }),
  secrets: (a) => [a.token],
  // discord.js heartbeats, resumes and re-identifies by itself.
  staleAfterMs: () => Infinity,
  create: async (deps) => {
    const { DiscordAdapter } = await import("./adapter.js");
    return new DiscordAdapter({ config: deps.account, log: deps.log, now: deps.now, events: deps.events });
  },
});

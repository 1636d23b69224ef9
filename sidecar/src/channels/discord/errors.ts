import { DiscordAPIError, HTTPError, RateLimitError } from "discord.js";
import { ChannelSendError } from "../types.js";

/** What to change when the gateway or REST refuses to go on; undefined when retrying may help. */
export function haltReason(err: unknown): string | undefined {
  const code = (err as { code?: unknown })?.code;
  const message = String((err as Error)?.message ?? "");
  if (code === "TokenInvalid" || /authentication failed/i.test(message) || (err instanceof DiscordAPIError && err.status === 401)) return closeReason(4004);
  if (/disallowed intents/i.test(message)) return closeReason(4014);
  if (/invalid intents/i.test(message)) return closeReason(4013);
  if (/sharding is required/i.test(message)) return closeReason(4011);
  return undefined;
}

/** The status line for a gateway close code that ends the session for good; undefined for codes discord.js recovers from. */
export function closeReason(code: number): string | undefined {
  switch (code) {
    case 4004:
      return "Discord refused the bot token (4004 authentication failed): in the Developer Portal open your application → Bot → Reset Token, and put the new token in channels.discord.token (or DISCORD_BOT_TOKEN)";
    case 4014:
      return "Discord refused the intents (4014 disallowed intents): in the Developer Portal open your application → Bot → Privileged Gateway Intents, turn on MESSAGE CONTENT INTENT, save, then restart the gateway";
    case 4013:
      return "Discord refused the intents (4013 invalid intents): this build asks for Guilds, Guild Messages, Direct Messages and Message Content; update the gateway";
    case 4011:
      return "Discord requires sharding for this bot (4011, in more than 2,500 servers); one gateway connection cannot serve it";
    default:
      return undefined;
  }
}

/** A one-line description of a REST failure. */
export function describeDiscordError(err: unknown): string {
  if (err instanceof RateLimitError) return `discord: rate limited${err.global ? " (global)" : ` on ${err.route}`}, retry after ${err.retryAfter} ms`;
  if (err instanceof DiscordAPIError) return `discord: ${err.status} ${err.code} ${err.message}`;
  if (err instanceof HTTPError) return `discord: HTTP ${err.status}`;
  return (err as Error)?.message ?? String(err);
}

/** Maps a failed REST call to a retry decision: 429 honours retry_after (global or per route), 5xx and network retry, 4xx do not. */
export function toSendError(err: unknown): ChannelSendError {
  if (err instanceof ChannelSendError) return err;
  const why = describeDiscordError(err);
  if (err instanceof RateLimitError) return new ChannelSendError(why, true, Math.max(1, err.retryAfter));
  if (err instanceof DiscordAPIError || err instanceof HTTPError) return new ChannelSendError(why, err.status >= 500 || err.status === 429);
  return new ChannelSendError(why, true);
}

import { groupDropReason } from "../chat-rules.js";
import type { DropReason } from "../drops.js";
import type { InboundMessage, MediaRef } from "../types.js";
import { guildChannelRule, type DiscordConfig } from "./config.js";

/** What the channel reads of a received message (taken from discord.js's Message by the adapter). */
export interface DiscordMessageFacts {
  id: string;
  channelId: string;
  guildId: string | undefined;
  /** ChannelType: 1 DM, 0 text, 5 announcement, 10/11/12 threads. */
  channelType: number;
  /** A thread's parent channel: its rules are the thread's. */
  parentId: string | undefined;
  authorId: string;
  authorIsBot: boolean;
  authorName: string;
  /** A system message (joins, pins, boosts), not a person writing. */
  system: boolean;
  content: string;
  /** Users in the message's `mentions` (Discord resolves `<@id>` and `<@!id>` into it). */
  mentionedIds: readonly string[];
  replyToId: string | undefined;
  /** Author of the message replied to. */
  repliedToId: string | undefined;
  attachments: readonly { name: string; size: number; contentType?: string | undefined; url: string }[];
  createdAt: number;
}

export type DiscordVerdict = { kind: "message"; msg: InboundMessage } | { kind: "drop"; reason: DropReason; why: string } | { kind: "skip"; why: string };

const DM = 1;

/**
 * Decides what a Discord message is: bots (the bot itself included) are dropped; in guilds the
 * guild and channel rules apply (threads follow their parent channel), with a mention being
 * `<@bot>`, `<@!bot>` or a reply to one of the bot's messages.
 */
export function judgeDiscordMessage(m: DiscordMessageFacts, selfId: string, config: DiscordConfig): DiscordVerdict {
  if (m.authorId === selfId) return { kind: "drop", reason: "own_message", why: "the bot's own message" };
  if (m.authorIsBot) return { kind: "drop", reason: "bot", why: `from another bot (${m.authorId})` };
  if (m.system) return { kind: "skip", why: "system message" };
  const dm = m.channelType === DM;
  const mentioned = dm || m.mentionedIds.includes(selfId) || new RegExp(`<@!?${selfId}>`).test(m.content) || m.repliedToId === selfId;
  if (!dm) {
    const found = m.guildId ? guildChannelRule(config.guilds, m.guildId, m.parentId ?? m.channelId) : undefined;
    const reason = groupDropReason(found?.rule, { senderId: m.authorId, mentioned }, found?.users);
    if (reason) return { kind: "drop", reason, why: `guild ${m.guildId ?? "?"} channel ${m.parentId ?? m.channelId}: ${reason}` };
  }
  const msg: InboundMessage = {
    channel: "discord",
    accountId: config.accountId,
    chatId: m.channelId,
    chatType: dm ? "dm" : "group",
    senderId: m.authorId,
    senderName: m.authorName,
    text: m.content.replace(new RegExp(`<@!?${selfId}>`, "g"), "").trim(),
    media: m.attachments.map(mediaOf),
    ...(m.replyToId ? { replyToId: m.replyToId } : {}),
    mentionsBot: mentioned,
    ts: m.createdAt,
    providerMessageId: m.id,
  };
  return { kind: "message", msg };
}

function mediaOf(a: DiscordMessageFacts["attachments"][number]): MediaRef {
  const type = a.contentType ?? "";
  const kind = type.startsWith("image/") ? "photo" : type.startsWith("video/") ? "video" : type.startsWith("audio/") ? "audio" : "document";
  return {
    kind,
    url: a.url,
    fileName: a.name,
    ...(a.contentType ? { mimeType: a.contentType } : {}),
    size: a.size,
    // Attachments live on Discord's CDN, outside apiBase; the agent is told what came.
    skipped: "attachments are not fetched from Discord",
  };
}

import { groupDropReason, ruleFor } from "../chat-rules.js";
import type { DropReason } from "../drops.js";
import type { InboundMessage, MediaRef } from "../types.js";
import { slackChatId } from "./chat-id.js";
import type { SlackConfig } from "./config.js";

/** The parts of a `message` or `app_mention` event the channel reads (as Slack's Events API sends them). */
export interface SlackMessageEvent {
  type: "message" | "app_mention";
  subtype?: string;
  channel: string;
  channel_type?: string;
  user?: string;
  bot_id?: string;
  text?: string;
  ts: string;
  thread_ts?: string;
  parent_user_id?: string;
  files?: { id?: string; name?: string; title?: string; mimetype?: string; size?: number; url_private?: string }[];
}

/** The bot as auth.test describes it. */
export interface SlackSelf {
  userId: string;
  botId: string;
  name: string;
}

/** What becomes of an event: a message for the router, a counted drop, or nothing (not a new message). */
export type SlackVerdict =
  | { kind: "message"; msg: InboundMessage }
  | { kind: "drop"; reason: DropReason; why: string }
  | { kind: "skip"; why: string };

/** Subtypes that are people writing; every other subtype (edits, deletions, joins, topic changes) is not a new message. */
const WRITTEN = new Set(["file_share", "thread_broadcast", "me_message"]);

export interface JudgeContext {
  self: SlackSelf;
  config: SlackConfig;
  /** Whether the bot has written in this thread. */
  inThread(channel: string, threadTs: string): boolean;
}

/**
 * Decides what a Slack message event is: the bot's own and other bots' messages are dropped,
 * edits and deletions skipped; in shared channels the channel rules apply, with a mention being
 * `<@bot>`, an app_mention, or a reply in a thread the bot is in.
 */
export function judgeSlackEvent(e: SlackMessageEvent, ctx: JudgeContext, accountId: string): SlackVerdict {
  const { self, config } = ctx;
  if (e.user === self.userId || (e.bot_id !== undefined && e.bot_id === self.botId)) return { kind: "drop", reason: "own_message", why: "the bot's own message" };
  if (e.bot_id !== undefined || e.subtype === "bot_message") return { kind: "drop", reason: "bot", why: `from another bot (${e.bot_id ?? "?"})` };
  if (e.subtype && !WRITTEN.has(e.subtype)) return { kind: "skip", why: `subtype ${e.subtype}` };
  if (!e.user) return { kind: "skip", why: "no sender" };
  const dm = e.channel_type === "im";
  const threadTs = e.thread_ts !== undefined && e.thread_ts !== e.ts ? e.thread_ts : undefined;
  const text = e.text ?? "";
  const mentioned =
    dm ||
    e.type === "app_mention" ||
    text.includes(`<@${self.userId}>`) ||
    (threadTs !== undefined && (e.parent_user_id === self.userId || ctx.inThread(e.channel, threadTs)));
  if (!dm) {
    const reason = groupDropReason(ruleFor(config.channels, e.channel), { senderId: e.user, mentioned });
    if (reason) return { kind: "drop", reason, why: `channel ${e.channel}: ${reason}` };
  }
  // A message in a thread is answered in it; a top-level one starts a thread only when replies go to every message's thread.
  const replyThread = threadTs ?? (config.replyToMode === "all" ? e.ts : undefined);
  const msg: InboundMessage = {
    channel: "slack",
    accountId,
    chatId: slackChatId({ channel: e.channel, ...(replyThread ? { threadTs: replyThread } : {}) }),
    chatType: dm ? "dm" : "group",
    senderId: e.user,
    text: text.split(`<@${self.userId}>`).join(`@${self.name}`).trim(),
    media: (e.files ?? []).map(mediaOf),
    ...(threadTs ? { replyToId: threadTs } : {}),
    mentionsBot: mentioned,
    ts: Math.round(Number(e.ts) * 1000),
    providerMessageId: e.ts,
  };
  return { kind: "message", msg };
}

function mediaOf(f: NonNullable<SlackMessageEvent["files"]>[number]): MediaRef {
  const type = f.mimetype ?? "";
  const kind = type.startsWith("image/") ? "photo" : type.startsWith("video/") ? "video" : type.startsWith("audio/") ? "audio" : "document";
  return {
    kind,
    ...(f.id ? { fileId: f.id } : {}),
    ...(f.url_private ? { url: f.url_private } : {}),
    ...(f.name ? { fileName: f.name } : {}),
    ...(f.mimetype ? { mimeType: f.mimetype } : {}),
    ...(f.size !== undefined ? { size: f.size } : {}),
    // Slack serves files only with the bot token from files.slack.com; the agent is told what came.
    skipped: "files are not fetched from Slack",
  };
}

import { Type, type Static } from "@sinclair/typebox";
import { check, formatIssues } from "@clawdbot/protocol";
import type { DropReason } from "../drops.js";
import type { InboundMessage } from "../types.js";
import { groupChatId, signalAddress } from "./config.js";

const Str = Type.Union([Type.String(), Type.Null()]);

const Mention = Type.Object({ number: Type.Optional(Str), uuid: Type.Optional(Str), start: Type.Integer({ minimum: 0 }), length: Type.Integer({ minimum: 0 }) });

const Attachment = Type.Object({
  contentType: Type.Optional(Str),
  filename: Type.Optional(Str),
  id: Type.Optional(Str),
  size: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  caption: Type.Optional(Str),
});
export type SignalAttachment = Static<typeof Attachment>;

const DataMessage = Type.Object({
  timestamp: Type.Optional(Type.Integer()),
  message: Type.Optional(Str),
  mentions: Type.Optional(Type.Array(Mention)),
  attachments: Type.Optional(Type.Array(Attachment)),
  quote: Type.Optional(Type.Object({ id: Type.Integer(), authorNumber: Type.Optional(Str), authorUuid: Type.Optional(Str), text: Type.Optional(Str) })),
  groupInfo: Type.Optional(Type.Object({ groupId: Type.String({ minLength: 1 }), groupName: Type.Optional(Str), type: Type.Optional(Str) })),
  reaction: Type.Optional(Type.Unknown()),
  remoteDelete: Type.Optional(Type.Unknown()),
  sticker: Type.Optional(Type.Unknown()),
});

/** A correction of an earlier message: its new content, naming the original by timestamp. */
const EditMessage = Type.Object({ targetSentTimestamp: Type.Optional(Type.Integer()), dataMessage: DataMessage });

const Envelope = Type.Object({
  sourceNumber: Type.Optional(Str),
  sourceUuid: Type.Optional(Str),
  sourceName: Type.Optional(Str),
  timestamp: Type.Integer(),
  dataMessage: Type.Optional(DataMessage),
  editMessage: Type.Optional(Type.Unknown()),
  syncMessage: Type.Optional(Type.Unknown()),
  typingMessage: Type.Optional(Type.Unknown()),
  receiptMessage: Type.Optional(Type.Unknown()),
  callMessage: Type.Optional(Type.Unknown()),
  storyMessage: Type.Optional(Type.Unknown()),
});

/** What `/api/v1/events` carries in `data:` for a `receive` event. */
export const ReceiveEventSchema = Type.Object({ envelope: Envelope, account: Type.Optional(Str) });
type SignalEnvelope = Static<typeof Envelope>;

/** The bot's own addresses, for mentions and for recognising its own messages. */
export interface SignalSelf {
  account: string;
  uuid: string | undefined;
  mentionPatterns: readonly RegExp[];
}

/** What one event means for the channel. */
export type Classified =
  | { kind: "message"; msg: InboundMessage; attachments: SignalAttachment[] }
  | { kind: "drop"; reason: DropReason; why: string }
  | { kind: "ignore"; why: string };

/** Parses an event's data; malformed data is ignored with a reason. */
export function classifyEvent(data: string, self: SignalSelf, accountId: string): Classified {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return { kind: "ignore", why: "event data is not JSON" };
  }
  const parsed = check(ReceiveEventSchema, value);
  if (!parsed.ok) return { kind: "ignore", why: `unexpected event shape: ${formatIssues(parsed.issues)}` };
  return classifyEnvelope(parsed.value.envelope, self, accountId);
}

function isSelf(env: SignalEnvelope, self: SignalSelf): boolean {
  return env.sourceNumber === self.account || (!!self.uuid && env.sourceUuid?.toLowerCase() === self.uuid);
}

/** Envelope → inbound message (a new one or an edit), or why it is not one (own, sync, typing, receipt, reaction…). */
export function classifyEnvelope(env: SignalEnvelope, self: SignalSelf, accountId: string): Classified {
  if (env.syncMessage !== undefined) return { kind: "drop", reason: "own_message", why: "sync message from another device of this account" };
  if (isSelf(env, self)) return { kind: "drop", reason: "own_message", why: "sent by this account" };
  if (env.typingMessage !== undefined) return { kind: "ignore", why: "typing indicator" };
  if (env.receiptMessage !== undefined) return { kind: "ignore", why: "receipt" };
  let dm = env.dataMessage;
  const edited = env.editMessage !== undefined && env.editMessage !== null;
  if (edited) {
    // An edit carries the whole new message; the agent reads it as a correction.
    const edit = check(EditMessage, env.editMessage);
    if (!edit.ok) return { kind: "ignore", why: `unreadable edit: ${formatIssues(edit.issues)}` };
    dm = edit.value.dataMessage;
  }
  if (!dm) return { kind: "ignore", why: env.callMessage !== undefined ? "call" : env.storyMessage !== undefined ? "story" : "no data message" };
  if (dm.reaction !== undefined && dm.reaction !== null) return { kind: "ignore", why: "reaction" };
  if (dm.remoteDelete !== undefined && dm.remoteDelete !== null) return { kind: "ignore", why: "remote delete" };
  if (dm.groupInfo?.type === "UPDATE") return { kind: "ignore", why: "group update" };
  const sender = signalAddress(env.sourceNumber, env.sourceUuid);
  if (!sender) return { kind: "ignore", why: "no sender" };
  const attachments = (dm.attachments ?? []).filter((a) => a.id);
  const rawText = dm.message ?? "";
  if (!rawText.trim() && attachments.length === 0) return { kind: "ignore", why: "nothing to read (sticker, expiry change or empty)" };

  const mentions = dm.mentions ?? [];
  const text = spellMentions(rawText, mentions, self);
  const mentionsSelf = mentions.some((m) => m.number === self.account || (!!self.uuid && m.uuid?.toLowerCase() === self.uuid));
  const quoteOfSelf = !!dm.quote && (dm.quote.authorNumber === self.account || (!!self.uuid && dm.quote.authorUuid?.toLowerCase() === self.uuid));
  const group = dm.groupInfo;
  const ts = dm.timestamp ?? env.timestamp;
  const quoteAuthor = dm.quote ? signalAddress(dm.quote.authorNumber, dm.quote.authorUuid) : undefined;
  const msg: InboundMessage = {
    channel: "signal",
    accountId,
    chatId: group ? groupChatId(group.groupId) : sender,
    chatType: group ? "group" : "dm",
    senderId: sender,
    ...(env.sourceName ? { senderName: env.sourceName } : {}),
    text,
    media: [],
    ...(dm.quote ? { replyToId: messageRef(dm.quote.id, quoteAuthor ?? "") } : {}),
    ...(dm.quote?.text ? { quoted: { text: dm.quote.text, ...(quoteAuthor ? { senderId: quoteAuthor } : {}) } } : {}),
    ...(group?.groupName ? { groupSubject: group.groupName } : {}),
    ...(edited ? { edited: true } : {}),
    mentionsBot: mentionsSelf || quoteOfSelf || self.mentionPatterns.some((re) => re.test(text)),
    ts,
    providerMessageId: messageRef(ts, sender),
  };
  return { kind: "message", msg, attachments };
}

/**
 * Signal puts U+FFFC where a mention stands and lists who is meant in `mentions` (UTF-16 offsets).
 * The agent reads "@name" instead; the bot itself reads as "@" + its number.
 */
function spellMentions(text: string, mentions: Static<typeof Mention>[], self: SignalSelf): string {
  let out = text;
  for (const m of [...mentions].sort((a, b) => b.start - a.start)) {
    if (m.start + m.length > out.length) continue;
    const who = m.number ?? (m.uuid ? `uuid:${m.uuid.toLowerCase()}` : "someone");
    const name = who === self.account || (self.uuid && m.uuid?.toLowerCase() === self.uuid) ? self.account : who;
    out = `${out.slice(0, m.start)}@${name}${out.slice(m.start + m.length)}`;
  }
  return out;
}

/** A Signal message is named by its author and sent timestamp. */
export function messageRef(timestamp: number, author: string): string {
  return `${timestamp}:${author}`;
}

/** The parts of a messageRef; undefined when it is not one. */
export function parseMessageRef(ref: string): { timestamp: number; author: string } | undefined {
  const i = ref.indexOf(":");
  const timestamp = Number(i === -1 ? ref : ref.slice(0, i));
  if (!Number.isSafeInteger(timestamp)) return undefined;
  return { timestamp, author: i === -1 ? "" : ref.slice(i + 1) };
}

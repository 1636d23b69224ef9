import { isJidGroup, jidNormalizedUser, normalizeMessageContent, type proto, type WAMessage } from "@whiskeysockets/baileys";
import type { DropReason } from "../drops.js";
import type { InboundMessage, MediaRef } from "../types.js";
import { isBroadcastChat, selfJids, senderE164 } from "./jid.js";
import type { WhatsAppSocket } from "./socket.js";

/** What normalizing needs to know besides the message. */
export interface InboundContext {
  sock: WhatsAppSocket;
  accountId: string;
  selfChatMode: boolean;
  mentionPatterns: readonly RegExp[];
  /** Ids of messages this gateway sent (in self-chat mode they come back as "from me"). */
  sentByUs: (id: string) => boolean;
  /** Cached group subject. */
  groupSubject: (jid: string) => Promise<string | undefined>;
}

/** A message's media before download. */
export interface MediaSource {
  ref: MediaRef;
  size: number | undefined;
}

export type Normalized = { msg: InboundMessage; media: MediaSource[] } | { drop: DropReason } | null;

type Content = proto.IMessage;

/** The text a message carries: conversation, extended text, or a media caption. */
export function textOf(c: Content | null | undefined): string {
  return c?.conversation ?? c?.extendedTextMessage?.text ?? c?.imageMessage?.caption ?? c?.videoMessage?.caption ?? c?.documentMessage?.caption ?? "";
}

function contextOf(c: Content): proto.IContextInfo | undefined {
  return (
    c.extendedTextMessage?.contextInfo ??
    c.imageMessage?.contextInfo ??
    c.videoMessage?.contextInfo ??
    c.documentMessage?.contextInfo ??
    c.audioMessage?.contextInfo ??
    c.stickerMessage?.contextInfo ??
    undefined
  );
}

/** The media a message carries (image, video, audio/voice, document, sticker). */
export function mediaOf(c: Content): MediaSource[] {
  const size = (n: unknown) => (n === null || n === undefined ? undefined : Number(n));
  const out: MediaSource[] = [];
  const add = (kind: MediaRef["kind"], m: { mimetype?: string | null; fileLength?: unknown; fileName?: string | null }) =>
    out.push({ ref: { kind, ...(m.mimetype ? { mimeType: m.mimetype } : {}), ...(m.fileName ? { fileName: m.fileName } : {}) }, size: size(m.fileLength) });
  if (c.imageMessage) add("photo", c.imageMessage);
  if (c.videoMessage) add("video", c.videoMessage);
  if (c.audioMessage) add(c.audioMessage.ptt ? "voice" : "audio", c.audioMessage);
  if (c.documentMessage) add("document", c.documentMessage);
  if (c.stickerMessage) add("sticker", c.stickerMessage);
  return out;
}

/**
 * Turns one `messages.upsert` (type notify) message into the channel-neutral form: unwraps
 * ephemeral/view-once, maps JIDs (device suffixes, LIDs) to E.164, finds mentions of the
 * linked account in either form. Returns why it is dropped, or null for messages with nothing
 * to say (reactions, receipts, key distribution).
 */
export async function normalizeWhatsApp(m: WAMessage, ctx: InboundContext): Promise<Normalized> {
  const key = m.key;
  const chat = key?.remoteJid;
  if (!key || !chat || !key.id) return null;
  if (isBroadcastChat(chat)) return { drop: "broadcast" };
  const content = normalizeMessageContent(m.message);
  if (!content || content.protocolMessage || content.reactionMessage) return null;
  const text = textOf(content);
  const media = mediaOf(content);
  if (!text && media.length === 0) return null;
  const mine = selfJids(ctx.sock);
  const group = Boolean(isJidGroup(chat));
  const chatIsSelf = !group && mine.includes(jidNormalizedUser(chat));
  if (key.fromMe) {
    // The owner typing in "Message yourself" talks to the agent (the linked number is always
    // allowed); anything else from this account, our own replies included, is not for it.
    if (!(chatIsSelf && !ctx.sentByUs(key.id))) return { drop: "own_message" };
  } else if (ctx.selfChatMode) return { drop: "not_allowed" };
  const fromJid = group ? key.participant : key.fromMe ? ctx.sock.user?.id : chat;
  const senderId = (await senderE164(ctx.sock, fromJid, group ? key.participantAlt : key.remoteJidAlt)) ?? fromJid ?? chat;
  const info = contextOf(content);
  const quotedText = textOf(normalizeMessageContent(info?.quotedMessage ?? undefined));
  const quotedFrom = info?.participant ? await senderE164(ctx.sock, info.participant) : undefined;
  const mentioned = (info?.mentionedJid ?? []).map((j) => jidNormalizedUser(j));
  const repliedToMe = info?.participant ? mine.includes(jidNormalizedUser(info.participant)) : false;
  const mentionsBot = !group || mentioned.some((j) => mine.includes(j)) || repliedToMe || ctx.mentionPatterns.some((re) => re.test(text));
  const subject = group ? await ctx.groupSubject(chat) : undefined;
  const msg: InboundMessage = {
    channel: "whatsapp",
    accountId: ctx.accountId,
    chatId: group ? chat : jidNormalizedUser(chat),
    chatType: group ? "group" : "dm",
    senderId,
    ...(m.pushName ? { senderName: m.pushName } : {}),
    text,
    media: media.map((x) => x.ref),
    ...(info?.stanzaId ? { replyToId: info.stanzaId } : {}),
    ...(info?.quotedMessage ? { quoted: { text: quotedText || "[media]", ...(quotedFrom ? { senderId: quotedFrom } : {}) } } : {}),
    ...(subject ? { groupSubject: subject } : {}),
    mentionsBot,
    ...(key.fromMe ? { fromSelf: true } : {}),
    ts: Number(m.messageTimestamp ?? 0) * 1000,
    providerMessageId: key.id,
  };
  return { msg, media };
}

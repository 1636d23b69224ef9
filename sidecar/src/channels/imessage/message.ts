import { stat } from "node:fs/promises";
import { homedir } from "node:os";
import { Type, type Static } from "@sinclair/typebox";
import type { DropReason } from "../drops.js";
import type { InboundMessage, MediaRef } from "../types.js";
import { chatIdOfGroup, normalizeHandle } from "./config.js";

const Str = Type.Union([Type.String(), Type.Null()]);

const Attachment = Type.Object({
  /** As Messages stores it, often starting with `~/`. */
  filename: Type.Optional(Str),
  /** The same file with the home folder expanded (newer imsg releases). */
  original_path: Type.Optional(Str),
  transfer_name: Type.Optional(Str),
  mime_type: Type.Optional(Str),
  total_bytes: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  missing: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
});
type ImsgAttachment = Static<typeof Attachment>;

/** A row of `message` notifications (imsg's message payload). */
export const ImsgMessageSchema = Type.Object({
  id: Type.Integer(),
  chat_id: Type.Integer(),
  guid: Type.Optional(Str),
  sender: Type.Optional(Str),
  is_from_me: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
  text: Type.Optional(Str),
  created_at: Type.Optional(Str),
  attachments: Type.Optional(Type.Union([Type.Array(Attachment), Type.Null()])),
  chat_name: Type.Optional(Str),
  chat_guid: Type.Optional(Str),
  chat_identifier: Type.Optional(Str),
  participants: Type.Optional(Type.Union([Type.Array(Type.String()), Type.Null()])),
  is_group: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
  is_reaction: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
  reply_to_id: Type.Optional(Type.Union([Type.Integer(), Type.String(), Type.Null()])),
  reply_to_text: Type.Optional(Str),
  reply_to_sender: Type.Optional(Str),
});
export type ImsgMessage = Static<typeof ImsgMessageSchema>;

export const MessageNotificationSchema = Type.Object({ subscription: Type.Optional(Type.Integer()), message: ImsgMessageSchema });
export const ErrorNotificationSchema = Type.Object({ subscription: Type.Optional(Type.Integer()), error: Type.Object({ message: Type.String() }) });

export type Classified =
  | { kind: "message"; msg: InboundMessage; attachments: ImsgAttachment[] }
  | { kind: "drop"; reason: DropReason; why: string }
  | { kind: "ignore"; why: string };

/** A row → inbound message: groups by chat_id, DMs by handle, own messages dropped. */
export function classifyRow(m: ImsgMessage, opts: { accountId: string; mentionPatterns: readonly RegExp[] }): Classified {
  if (m.is_from_me) return { kind: "drop", reason: "own_message", why: "sent from this Mac's account" };
  if (m.is_reaction) return { kind: "ignore", why: "tapback" };
  if (!m.sender) return { kind: "ignore", why: "no sender" };
  const attachments = m.attachments ?? [];
  const text = m.text ?? "";
  if (!text.trim() && attachments.length === 0) return { kind: "ignore", why: "nothing to read" };
  const sender = normalizeHandle(m.sender);
  const group = isGroupRow(m);
  const replyId = m.reply_to_id ?? undefined;
  const msg: InboundMessage = {
    channel: "imessage",
    accountId: opts.accountId,
    chatId: group ? chatIdOfGroup(m.chat_id) : sender,
    chatType: group ? "group" : "dm",
    senderId: sender,
    text,
    media: [],
    ...(replyId !== undefined && replyId !== null ? { replyToId: String(replyId) } : {}),
    ...(m.reply_to_text ? { quoted: { text: m.reply_to_text, ...(m.reply_to_sender ? { senderId: normalizeHandle(m.reply_to_sender) } : {}) } } : {}),
    ...(group && m.chat_name ? { groupSubject: m.chat_name } : {}),
    mentionsBot: opts.mentionPatterns.some((re) => re.test(text)),
    ts: m.created_at ? Date.parse(m.created_at) || Date.now() : Date.now(),
    providerMessageId: String(m.id),
  };
  return { kind: "message", msg, attachments };
}

/**
 * imsg says `is_group`; a row without it (an older imsg) is a group when its chat's guid or
 * identifier has the group marker ";+;" ("iMessage;+;chat123…"), which is how imsg decides too.
 */
function isGroupRow(m: ImsgMessage): boolean {
  if (typeof m.is_group === "boolean") return m.is_group;
  return [m.chat_guid, m.chat_identifier].some((v) => typeof v === "string" && v.includes(";+;"));
}

/** An attachment by its path on this Mac, if it is here and within the size limit; announced otherwise. */
export async function attachmentRef(a: ImsgAttachment, maxBytes: number): Promise<MediaRef> {
  const mime = a.mime_type ?? "";
  const kind: MediaRef["kind"] = mime.startsWith("image/") ? "photo" : mime.startsWith("video/") ? "video" : mime.startsWith("audio/") ? "audio" : "document";
  const name = a.transfer_name ?? a.filename?.split("/").pop();
  const base: MediaRef = { kind, ...(name ? { fileName: name } : {}), ...(mime ? { mimeType: mime } : {}), ...(a.total_bytes ? { size: a.total_bytes } : {}) };
  const given = a.original_path || a.filename;
  if (a.missing || !given) return { ...base, skipped: "not downloaded to the Mac (missing)" };
  const mb = Math.round(maxBytes / 1024 / 1024);
  if (a.total_bytes && a.total_bytes > maxBytes) return { ...base, skipped: `larger than ${mb} MB (mediaMaxMb)` };
  const path = given.startsWith("~/") ? `${homedir()}${given.slice(1)}` : given;
  const st = await stat(path).catch(() => null);
  if (!st?.isFile()) return { ...base, skipped: "not readable here (imsg runs on another Mac, or the file is gone)" };
  if (st.size > maxBytes) return { ...base, skipped: `larger than ${mb} MB (mediaMaxMb)` };
  return { ...base, path, size: st.size };
}

import type { Message, UserFromGetMe } from "grammy/types";
import type { InboundMessage, MediaRef } from "../types.js";

/** Turns a Telegram message into the channel-neutral form; null for messages we do not route. */
export function normalizeTelegram(msg: Message, me: UserFromGetMe, accountId: string): InboundMessage | null {
  if (!msg.from || msg.from.is_bot) return null;
  const text = msg.text ?? msg.caption ?? "";
  const media = mediaOf(msg);
  if (!text && media.length === 0) return null;
  const chatType = msg.chat.type === "private" ? "dm" : "group";
  const name = [msg.from.first_name, msg.from.last_name].filter(Boolean).join(" ") || msg.from.username;
  return {
    channel: "telegram",
    accountId,
    chatId: String(msg.chat.id),
    chatType,
    senderId: String(msg.from.id),
    ...(name ? { senderName: name } : {}),
    text,
    media,
    ...(msg.reply_to_message ? { replyToId: String(msg.reply_to_message.message_id) } : {}),
    mentionsBot: chatType === "dm" || mentions(msg, me),
    ts: msg.date * 1000,
    providerMessageId: String(msg.message_id),
  };
}

function mentions(msg: Message, me: UserFromGetMe): boolean {
  if (msg.reply_to_message?.from?.id === me.id) return true;
  const text = msg.text ?? msg.caption ?? "";
  const entities = msg.entities ?? msg.caption_entities ?? [];
  const handle = `@${me.username}`.toLowerCase();
  return entities.some((e) => {
    if (e.type === "text_mention") return e.user.id === me.id;
    if (e.type === "mention") return text.slice(e.offset, e.offset + e.length).toLowerCase() === handle;
    return false;
  });
}

function mediaOf(msg: Message): MediaRef[] {
  const out: MediaRef[] = [];
  const photo = msg.photo?.at(-1);
  if (photo) out.push({ kind: "photo", fileId: photo.file_id });
  if (msg.document) {
    out.push({
      kind: "document",
      fileId: msg.document.file_id,
      ...(msg.document.file_name ? { fileName: msg.document.file_name } : {}),
      ...(msg.document.mime_type ? { mimeType: msg.document.mime_type } : {}),
    });
  }
  if (msg.voice) out.push({ kind: "voice", fileId: msg.voice.file_id });
  if (msg.audio) out.push({ kind: "audio", fileId: msg.audio.file_id });
  if (msg.video) out.push({ kind: "video", fileId: msg.video.file_id });
  if (msg.sticker) out.push({ kind: "sticker", fileId: msg.sticker.file_id });
  return out;
}

// The Bot API methods the fake implements, with Telegram's validation and error descriptions.
import type { Chat, Message, Update } from "grammy/types";
import type { UploadedFile } from "./body.js";
import type { UpdateQueue } from "./long-poll.js";
import type { TelegramWorld } from "./world.js";

/** A failed call, answered as `{ok:false, error_code, description, parameters}` with that HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly description: string,
    readonly parameters?: { retry_after?: number },
  ) {
    super(`${code} ${description}`);
  }
}

export interface MethodContext {
  params: Record<string, unknown>;
  files: readonly UploadedFile[];
  world: TelegramWorld;
  updates: UpdateQueue;
  webhook: { url: string };
  /** Registers what to do when the client goes away before the answer (held polls). */
  onClientGone(cb: () => void): void;
}

type Method = (c: MethodContext) => unknown;

const CHAT_ACTIONS = new Set([
  "typing",
  "upload_photo",
  "record_video",
  "upload_video",
  "record_voice",
  "upload_voice",
  "upload_document",
  "choose_sticker",
  "find_location",
  "record_video_note",
  "upload_video_note",
]);

export const TEXT_LIMIT = 4096;
const CAPTION_LIMIT = 1024;

const methods: Record<string, Method> = {
  getMe: (c) => c.world.bot,
  deleteWebhook: (c) => {
    if (flag(c.params["drop_pending_updates"])) c.updates.dropPending();
    c.webhook.url = "";
    return true;
  },
  setWebhook: (c) => {
    c.webhook.url = requiredString(c.params, "url", "Bad Request: bad webhook: An HTTPS URL must be provided for webhook");
    return true;
  },
  getWebhookInfo: (c) => ({ url: c.webhook.url, has_custom_certificate: false, pending_update_count: c.updates.size }),
  getUpdates,
  sendMessage,
  sendChatAction: (c) => {
    knownChat(c);
    const action = String(c.params["action"] ?? "");
    if (!CHAT_ACTIONS.has(action)) throw new ApiError(400, "Bad Request: wrong parameter action in request");
    return true;
  },
  sendPhoto: (c) => sendMedia(c, "photo"),
  sendDocument: (c) => sendMedia(c, "document"),
  sendAnimation: (c) => sendMedia(c, "animation"),
  getFile: (c) => {
    const stored = c.world.file(String(c.params["file_id"] ?? ""));
    if (!stored) throw new ApiError(400, "Bad Request: invalid file_id");
    return stored.file;
  },
};

/** Telegram matches method names case-insensitively. */
const byLowerName = new Map(Object.entries(methods).map(([name, fn]) => [name.toLowerCase(), { name, fn }]));

/** The implementation of a method and its canonical name, or undefined (404 Not Found). */
export function lookupMethod(name: string): { name: string; fn: Method } | undefined {
  return byLowerName.get(name.toLowerCase());
}

function getUpdates(c: MethodContext): Promise<Update[]> {
  if (c.webhook.url) {
    throw new ApiError(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
  }
  const req = {
    offset: integer(c.params, "offset", 0),
    limit: Math.min(100, Math.max(1, integer(c.params, "limit", 100))),
    timeoutSec: Math.max(0, integer(c.params, "timeout", 0)),
  };
  return new Promise((resolve, reject) => {
    const cancel = c.updates.poll(req, {
      updates: resolve,
      conflict: () => reject(new ApiError(409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running")),
    });
    c.onClientGone(() => {
      cancel();
      resolve([]);
    });
  });
}

function sendMessage(c: MethodContext): Message {
  const chat = knownChat(c);
  const text = typeof c.params["text"] === "string" ? c.params["text"] : "";
  if (text.trim() === "") throw new ApiError(400, "Bad Request: message text is empty");
  if (text.length > TEXT_LIMIT) throw new ApiError(400, "Bad Request: message is too long");
  const entities = Array.isArray(c.params["entities"]) ? { entities: c.params["entities"] as NonNullable<Message["entities"]> } : {};
  return c.world.botMessage(chat, { text, ...entities, ...threadOf(c) }, replyTarget(c, chat));
}

function sendMedia(c: MethodContext, kind: "photo" | "document" | "animation"): Message {
  const chat = knownChat(c);
  const input = mediaInput(c, kind);
  const caption = typeof c.params["caption"] === "string" ? c.params["caption"] : undefined;
  if (caption !== undefined && caption.length > CAPTION_LIMIT) throw new ApiError(400, "Bad Request: message caption is too long");
  const doc = () => c.world.document({ fileName: input.fileName, bytes: input.bytes });
  const content: Partial<Message> =
    kind === "photo" ? { photo: c.world.photoSizes(input.bytes) } : kind === "animation" ? { animation: { ...doc(), width: 1, height: 1, duration: 1 } } : { document: doc() };
  return c.world.botMessage(chat, { ...content, ...(caption ? { caption } : {}), ...threadOf(c) }, replyTarget(c, chat));
}

/**
 * The file behind a media parameter: an upload (`attach://name` or a part named like the
 * parameter), a file_id the fake issued, or an HTTP URL (not fetched: placeholder bytes).
 */
/** `message_thread_id` as sent (forum topics), carried onto the stored message. */
function threadOf(c: MethodContext): Partial<Message> {
  const id = c.params["message_thread_id"];
  return typeof id === "number" ? { message_thread_id: id } : {};
}

function mediaInput(c: MethodContext, key: "photo" | "document" | "animation"): { fileName: string; bytes: Buffer } {
  const value = c.params[key];
  const upload = typeof value === "string" && value.startsWith("attach://")
    ? c.files.find((f) => f.name === value.slice("attach://".length))
    : c.files.find((f) => f.name === key);
  if (upload) return { fileName: upload.filename, bytes: upload.bytes };
  if (typeof value !== "string" || value === "") throw new ApiError(400, `Bad Request: there is no ${key} in the request`);
  if (/^https?:\/\//i.test(value)) return { fileName: value.split("/").pop() || "file", bytes: Buffer.from(`fetched from ${value}`) };
  const stored = c.world.file(value);
  if (!stored) throw new ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified");
  return { fileName: stored.file.file_path?.split("/").pop() ?? "file", bytes: stored.bytes };
}

/** reply_parameters (or the older reply_to_message_id), checked against the chat's messages. */
function replyTarget(c: MethodContext, chat: Chat): number | undefined {
  const rp = c.params["reply_parameters"] as { message_id?: unknown; allow_sending_without_reply?: unknown } | undefined;
  const id = Number(rp?.message_id ?? c.params["reply_to_message_id"] ?? NaN);
  if (!Number.isInteger(id)) return undefined;
  if (c.world.message(chat.id, id)) return id;
  if (flag(rp?.allow_sending_without_reply) || flag(c.params["allow_sending_without_reply"])) return undefined;
  throw new ApiError(400, "Bad Request: message to be replied not found");
}

function knownChat(c: MethodContext): Chat {
  const raw = c.params["chat_id"];
  if (raw === undefined || raw === "") throw new ApiError(400, "Bad Request: chat_id is empty");
  const chat = c.world.chat(Number(raw));
  if (!chat) throw new ApiError(400, "Bad Request: chat not found");
  return chat;
}

function integer(params: Record<string, unknown>, key: string, fallback: number): number {
  const v = params[key];
  if (v === undefined || v === "") return fallback;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new ApiError(400, `Bad Request: wrong parameter ${key}`);
  return n;
}

function requiredString(params: Record<string, unknown>, key: string, description: string): string {
  const v = params[key];
  if (typeof v !== "string" || v === "") throw new ApiError(400, description);
  return v;
}

function flag(v: unknown): boolean {
  return v === true || v === "true" || v === 1 || v === "1";
}

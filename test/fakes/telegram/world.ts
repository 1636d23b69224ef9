// What the fake Bot API knows: its bot, the chats it has seen, every message (with increasing
// message_id) and the files behind file_ids. It builds Telegram objects the way the real API shapes them.
import { createHash } from "node:crypto";
import type { Chat, File, Message, MessageEntity, PhotoSize, User, UserFromGetMe } from "grammy/types";

/** A user message as a test describes it; the world fills in ids, dates and entities. */
export interface InboundSpec {
  /** The sender: a user id, or a user with names. */
  from: number | (Partial<User> & { id: number });
  /** A group to post in; a private chat with the sender by default. */
  group?: { id: number; title?: string; type?: "group" | "supergroup" };
  text?: string;
  caption?: string;
  /** Starts the text (or caption) with `@<bot username>`; like Telegram, every @handle gets a `mention` entity. */
  mention?: boolean;
  /** Replies to this message of the same chat (e.g. one the bot sent). */
  replyTo?: number;
  /** Attaches a photo (its bytes are served by getFile and /file/…). */
  photo?: boolean | Buffer;
  document?: { fileName: string; mimeType?: string; bytes?: Buffer };
}

/** A file the fake can hand out through getFile and download. */
interface StoredFile {
  file: File;
  bytes: Buffer;
}

export class TelegramWorld {
  readonly bot: UserFromGetMe;
  private readonly chats = new Map<number, Chat>();
  private readonly messages = new Map<string, Message>();
  private readonly files = new Map<string, StoredFile>();
  private lastMessageId = 0;
  private lastFile = 0;

  constructor(bot: { id: number; username: string; first_name: string }) {
    this.bot = {
      ...bot,
      is_bot: true,
      can_join_groups: true,
      can_read_all_group_messages: false,
      supports_inline_queries: false,
      can_connect_to_business: false,
      has_main_web_app: false,
      has_topics_enabled: false,
      allows_users_to_create_topics: false,
      can_manage_bots: false,
      supports_join_request_queries: false,
    };
  }

  /** The bot as it appears in `from` of its own messages. */
  get botUser(): User {
    return { id: this.bot.id, is_bot: true, first_name: this.bot.first_name, username: this.bot.username };
  }

  /** Makes a chat known (the bot can only write to chats that exist). */
  addChat(chat: Chat): Chat {
    this.chats.set(chat.id, chat);
    return chat;
  }

  chat(id: number): Chat | undefined {
    return this.chats.get(id);
  }

  message(chatId: number, messageId: number): Message | undefined {
    return this.messages.get(`${chatId}:${messageId}`);
  }

  file(fileId: string): StoredFile | undefined {
    return this.files.get(fileId);
  }

  fileByPath(path: string): Buffer | undefined {
    return [...this.files.values()].find((f) => f.file.file_path === path)?.bytes;
  }

  /** A message from a user, stored like any other; its chat becomes known. */
  userMessage(spec: InboundSpec): Message {
    const from = userOf(spec.from);
    const chat = this.addChat(spec.group ? groupChat(spec.group) : privateChat(from));
    const body = this.withMention(spec.text ?? spec.caption, spec.mention === true);
    const isCaption = spec.text === undefined && (spec.photo !== undefined || spec.document !== undefined);
    const msg = this.store({
      ...this.envelope(chat, from, spec.replyTo),
      ...(body && !isCaption ? { text: body.text, ...(body.entities.length ? { entities: body.entities } : {}) } : {}),
      ...(body && isCaption ? { caption: body.text, ...(body.entities.length ? { caption_entities: body.entities } : {}) } : {}),
      ...(spec.photo ? { photo: this.photoSizes(spec.photo === true ? pngBytes() : spec.photo) } : {}),
      ...(spec.document ? { document: this.document(spec.document) } : {}),
    });
    return msg;
  }

  /** A message the bot sends into a known chat. */
  botMessage(chat: Chat, content: Partial<Message>, replyTo?: number): Message {
    return this.store({ ...this.envelope(chat, this.botUser, replyTo), ...content });
  }

  /** Registers uploaded or pushed bytes as a photo (several sizes like Telegram makes). */
  photoSizes(bytes: Buffer): PhotoSize[] {
    return [90, 320].map((w) => {
      const f = this.storeFile(bytes, "photos", "jpg");
      return { file_id: f.file_id, file_unique_id: f.file_unique_id, width: w, height: w, file_size: bytes.length };
    });
  }

  document(d: { fileName: string; mimeType?: string; bytes?: Buffer }): NonNullable<Message["document"]> {
    const bytes = d.bytes ?? Buffer.from(`contents of ${d.fileName}`);
    const f = this.storeFile(bytes, "documents", d.fileName.split(".").pop() ?? "dat");
    return { file_id: f.file_id, file_unique_id: f.file_unique_id, file_name: d.fileName, file_size: bytes.length, ...(d.mimeType ? { mime_type: d.mimeType } : {}) };
  }

  private storeFile(bytes: Buffer, folder: string, ext: string): File {
    const n = ++this.lastFile;
    const unique = createHash("sha256").update(bytes).update(String(n)).digest("base64url").slice(0, 16);
    const file: File = { file_id: `AgAC${unique}${n}`, file_unique_id: `AQAD${unique}`, file_size: bytes.length, file_path: `${folder}/file_${n}.${ext}` };
    this.files.set(file.file_id, { file, bytes });
    return file;
  }

  private envelope(chat: Chat, from: User, replyTo: number | undefined): Message {
    const replied = replyTo === undefined ? undefined : this.message(chat.id, replyTo);
    if (replyTo !== undefined && !replied) throw new Error(`message ${replyTo} does not exist in chat ${chat.id}`);
    const base = { message_id: ++this.lastMessageId, date: Math.floor(Date.now() / 1000), from, ...(replied ? { reply_to_message: replied } : {}) };
    // The union of chat kinds does not narrow through a spread; every member has id and type.
    return { ...base, chat } as Message;
  }

  /** Prepends the bot's handle when asked; every @username gets a `mention` entity, as Telegram parses them. */
  private withMention(text: string | undefined, mention: boolean): { text: string; entities: MessageEntity[] } | undefined {
    const handle = `@${this.bot.username}`;
    const full = mention ? (text ? `${handle} ${text}` : handle) : text;
    if (full === undefined) return undefined;
    const entities: MessageEntity[] = [...full.matchAll(/(?<![\w@])@[A-Za-z][A-Za-z0-9_]{3,31}/g)].map((m) => ({ type: "mention", offset: m.index, length: m[0].length }));
    return { text: full, entities };
  }

  private store(msg: Message): Message {
    this.messages.set(`${msg.chat.id}:${msg.message_id}`, msg);
    return msg;
  }
}

function userOf(from: InboundSpec["from"]): User {
  const u = typeof from === "number" ? { id: from } : from;
  return { is_bot: false, first_name: `User${u.id}`, ...u };
}

function privateChat(user: User): Chat {
  return { id: user.id, type: "private", first_name: user.first_name, ...(user.username ? { username: user.username } : {}) };
}

function groupChat(g: NonNullable<InboundSpec["group"]>): Chat {
  return { id: g.id, type: g.type ?? "group", title: g.title ?? `Group ${g.id}` } as Chat;
}

/** A 1×1 PNG, so pushed photos have real image bytes. */
function pngBytes(): Buffer {
  return Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==", "base64");
}

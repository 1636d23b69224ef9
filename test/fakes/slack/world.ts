// What the fake Slack workspace holds: one team, the app and its bot user, people, conversations
// (public and private channels, DMs), every message with its `ts`, and uploaded files. It shapes
// objects the way Slack's Web API and Events API do.
import type { types } from "@slack/bolt";

type MessageEvent = types.GenericMessageEvent | types.FileShareMessageEvent | types.BotMessageEvent;
/** A file as events describe it (@slack/types does not export its name). */
export type SlackFile = NonNullable<types.FileShareMessageEvent["files"]>[number];

export interface SlackPerson {
  id: string;
  name: string;
  realName: string;
  isBot: boolean;
  botId?: string;
}

export type ConversationKind = "channel" | "group" | "im" | "mpim";

export interface SlackConversation {
  id: string;
  kind: ConversationKind;
  name?: string;
  /** The other person of a DM. */
  user?: string;
  /** Whether the bot is a member (it gets the channel's events and may post there). */
  botIsMember: boolean;
}

/** A message as stored: what Slack would return from conversations.history. */
export interface StoredMessage {
  channel: string;
  ts: string;
  threadTs?: string;
  user: string;
  botId?: string;
  text: string;
  files: SlackFile[];
  reactions: { name: string; users: string[] }[];
}

export interface StoredFile {
  id: string;
  name: string;
  title: string;
  length: number;
  bytes?: Buffer;
  shared: boolean;
}

/** A person writes; the world fills in ts, team and channel type. */
export interface UserMessageSpec {
  user: string;
  channel: string;
  text?: string;
  /** Puts `<@BOT>` in front of the text, as Slack's client does for an @-mention. */
  mention?: boolean;
  /** Replies in the thread of this message ts. */
  threadTs?: string;
  files?: { name: string; size: number; mimetype?: string }[];
}

/** The event(s) Slack sends for one message: `message`, plus `app_mention` when the bot is named. */
export interface MessageEvents {
  message: StoredMessage;
  event: MessageEvent;
  mention?: types.AppMentionEvent;
}

const TYPE_OF: Record<ConversationKind, types.GenericMessageEvent["channel_type"]> = { channel: "channel", group: "group", im: "im", mpim: "mpim" };

export class SlackWorld {
  readonly team = { id: "T0FAKE01", name: "Fake Team", domain: "fake-team" };
  readonly app = { id: "A0FAKEAPP" };
  readonly bot: SlackPerson = { id: "U0FAKEBOT", name: "clawd", realName: "Clawd", isBot: true, botId: "B0FAKEBOT" };
  readonly people = new Map<string, SlackPerson>([[this.bot.id, this.bot]]);
  readonly conversations = new Map<string, SlackConversation>();
  readonly messages: StoredMessage[] = [];
  readonly files = new Map<string, StoredFile>();
  private clock = 1_700_000_000;
  private lastId = 0;

  /** A unique, increasing message timestamp in Slack's `seconds.micros` form. */
  nextTs(): string {
    return `${++this.clock}.000100`;
  }

  private id(prefix: string): string {
    return `${prefix}0${String(++this.lastId).padStart(8, "0")}`;
  }

  addPerson(name: string, opts: { isBot?: boolean; id?: string } = {}): SlackPerson {
    const person: SlackPerson = { id: opts.id ?? this.id("U"), name, realName: name[0]!.toUpperCase() + name.slice(1), isBot: opts.isBot ?? false };
    if (person.isBot) person.botId = this.id("B");
    this.people.set(person.id, person);
    return person;
  }

  /** A public (`channel`) or private (`group`) channel; the bot is a member unless told otherwise. */
  addChannel(name: string, opts: { kind?: "channel" | "group"; botIsMember?: boolean } = {}): SlackConversation {
    const conv: SlackConversation = { id: this.id(opts.kind === "group" ? "G" : "C"), kind: opts.kind ?? "channel", name, botIsMember: opts.botIsMember ?? true };
    this.conversations.set(conv.id, conv);
    return conv;
  }

  /** The DM between the bot and a person (created on first use, as conversations.open does). */
  dmWith(userId: string): SlackConversation {
    for (const c of this.conversations.values()) if (c.kind === "im" && c.user === userId) return c;
    const conv: SlackConversation = { id: this.id("D"), kind: "im", user: userId, botIsMember: true };
    this.conversations.set(conv.id, conv);
    return conv;
  }

  conversation(id: string): SlackConversation | undefined {
    return this.conversations.get(id);
  }

  /** A person's message and the events Slack delivers for it. */
  userMessage(spec: UserMessageSpec): MessageEvents {
    const conv = this.mustConversation(spec.channel);
    const text = spec.mention ? `<@${this.bot.id}> ${spec.text ?? ""}`.trimEnd() : (spec.text ?? "");
    const files = (spec.files ?? []).map((f) => this.describeFile(this.storeFile(f.name, f.size), f.mimetype));
    const msg = this.store({ channel: conv.id, user: spec.user, text, files, ...(spec.threadTs ? { threadTs: spec.threadTs } : {}) });
    const person = this.people.get(spec.user);
    const base = {
      type: "message" as const,
      channel: conv.id,
      user: spec.user,
      text,
      ts: msg.ts,
      event_ts: msg.ts,
      team: this.team.id,
      channel_type: TYPE_OF[conv.kind],
      ...(spec.threadTs ? { thread_ts: spec.threadTs, parent_user_id: this.parentUser(conv.id, spec.threadTs) } : {}),
      ...(person?.botId ? { bot_id: person.botId } : {}),
    };
    const event: MessageEvent = files.length > 0 ? { ...base, subtype: "file_share", files } : { ...base, subtype: undefined, client_msg_id: `cm-${msg.ts}` };
    const mentioned = text.includes(`<@${this.bot.id}>`) && conv.kind !== "im";
    const mention: types.AppMentionEvent | undefined = mentioned
      ? { type: "app_mention", user: spec.user, text, ts: msg.ts, event_ts: msg.ts, channel: conv.id, team: this.team.id, ...(spec.threadTs ? { thread_ts: spec.threadTs } : {}) }
      : undefined;
    return { message: msg, event, ...(mention ? { mention } : {}) };
  }

  /** The bot's own message (chat.postMessage, a file share); Slack echoes it back as an event. */
  botMessage(channel: string, text: string, threadTs: string | undefined, files: SlackFile[] = []): { message: StoredMessage; event: types.GenericMessageEvent } {
    const conv = this.mustConversation(channel);
    const msg = this.store({ channel, user: this.bot.id, botId: this.bot.botId!, text, files, ...(threadTs ? { threadTs } : {}) });
    const event: types.GenericMessageEvent = {
      type: "message",
      subtype: undefined,
      channel,
      user: this.bot.id,
      bot_id: this.bot.botId!,
      text,
      ts: msg.ts,
      event_ts: msg.ts,
      team: this.team.id,
      channel_type: TYPE_OF[conv.kind],
      ...(threadTs ? { thread_ts: threadTs } : {}),
    };
    return { message: msg, event };
  }

  /** A message from another app's bot (subtype bot_message). */
  otherBotMessage(channel: string, text: string): types.BotMessageEvent {
    const conv = this.mustConversation(channel);
    const msg = this.store({ channel, user: "", botId: "B0OTHERBOT", text, files: [] });
    return { type: "message", subtype: "bot_message", channel, bot_id: "B0OTHERBOT", username: "otherbot", text, ts: msg.ts, event_ts: msg.ts, channel_type: TYPE_OF[conv.kind] };
  }

  /** An edit of a stored message (subtype message_changed). */
  edit(original: StoredMessage, text: string): types.MessageChangedEvent {
    const conv = this.mustConversation(original.channel);
    const before = { type: "message", subtype: undefined, channel: original.channel, user: original.user, text: original.text, ts: original.ts, event_ts: original.ts, channel_type: TYPE_OF[conv.kind] } as const;
    original.text = text;
    const ts = this.nextTs();
    return {
      type: "message",
      subtype: "message_changed",
      hidden: true,
      channel: original.channel,
      channel_type: TYPE_OF[conv.kind],
      ts,
      event_ts: ts,
      message: { ...before, text, edited: { user: original.user, ts } },
      previous_message: before,
    };
  }

  /** A deletion of a stored message (subtype message_deleted). */
  deletion(original: StoredMessage): types.MessageDeletedEvent {
    const conv = this.mustConversation(original.channel);
    const ts = this.nextTs();
    const before = { type: "message", subtype: undefined, channel: original.channel, user: original.user, text: original.text, ts: original.ts, event_ts: original.ts, channel_type: TYPE_OF[conv.kind] } as const;
    return { type: "message", subtype: "message_deleted", hidden: true, channel: original.channel, channel_type: TYPE_OF[conv.kind], ts, event_ts: ts, deleted_ts: original.ts, previous_message: before };
  }

  message(channel: string, ts: string): StoredMessage | undefined {
    return this.messages.find((m) => m.channel === channel && m.ts === ts);
  }

  /** Reserves a file id for an upload of `length` bytes (files.getUploadURLExternal). */
  storeFile(name: string, length: number): StoredFile {
    const file: StoredFile = { id: this.id("F"), name, title: name, length, shared: false };
    this.files.set(file.id, file);
    return file;
  }

  /** A file as Slack describes it in events and API answers. */
  describeFile(file: StoredFile, mimetype = "application/octet-stream"): SlackFile {
    return {
      id: file.id,
      name: file.name,
      title: file.title,
      mimetype,
      filetype: file.name.split(".").pop() ?? "binary",
      size: file.length,
      url_private: `https://files.slack.com/files-pri/${this.team.id}-${file.id}/${file.name}`,
      url_private_download: `https://files.slack.com/files-pri/${this.team.id}-${file.id}/download/${file.name}`,
    } as SlackFile;
  }

  private store(m: Omit<StoredMessage, "ts" | "reactions">): StoredMessage {
    const msg: StoredMessage = { ...m, ts: this.nextTs(), reactions: [] };
    this.messages.push(msg);
    return msg;
  }

  private parentUser(channel: string, threadTs: string): string {
    return this.message(channel, threadTs)?.user ?? this.bot.id;
  }

  private mustConversation(id: string): SlackConversation {
    const conv = this.conversations.get(id);
    if (!conv) throw new Error(`fake slack: no conversation ${id}`);
    return conv;
  }
}

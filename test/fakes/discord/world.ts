// What the fake Discord knows: the bot's user and application, people, guilds with text channels
// and threads, DM channels, every message, with snowflake ids. Objects are shaped as Discord's API
// (v10) returns them, typed by discord-api-types through discord.js.
import type { APIAttachment, APIChannel, APIGuildMember, APIMessage, APIUser } from "discord.js";

/** Channel types as Discord numbers them (ChannelType). */
export const CHANNEL = { GuildText: 0, DM: 1, PublicThread: 11, PrivateThread: 12 } as const;
/** Message types (MessageType). */
const MESSAGE = { Default: 0, Reply: 19 } as const;

export interface FakeGuild {
  id: string;
  name: string;
  ownerId: string;
  memberIds: Set<string>;
}

/** A person's message as a test describes it; the world fills in ids, mentions and references. */
export interface UserMessageSpec {
  author: string;
  channel: string;
  content?: string;
  /** Starts the content with the bot's mention: `<@id>` (or the legacy nickname form `<@!id>`). */
  mention?: "plain" | "nickname";
  /** Replies to this message (of the same channel). */
  replyTo?: string;
  attachments?: { filename: string; size: number; contentType?: string }[];
}

/** A file the bot uploaded with a message. */
export interface UploadedAttachment {
  filename: string;
  bytes: Buffer;
}

export class DiscordWorld {
  readonly bot: APIUser;
  readonly applicationId: string;
  readonly users = new Map<string, APIUser>();
  readonly guilds = new Map<string, FakeGuild>();
  readonly channels = new Map<string, APIChannel>();
  readonly messages = new Map<string, APIMessage>();
  readonly uploads = new Map<string, UploadedAttachment[]>();
  private lastId = 0n;
  private clock = Date.UTC(2025, 0, 1);

  constructor() {
    this.bot = this.user("clawd", { bot: true });
    this.applicationId = this.bot.id;
  }

  /** A new snowflake: increasing, unique, 18+ digits like Discord's. */
  snowflake(): string {
    return String(1_300_000_000_000_000_000n + ++this.lastId);
  }

  private timestamp(): string {
    this.clock += 1000;
    return new Date(this.clock).toISOString();
  }

  user(username: string, opts: { bot?: boolean } = {}): APIUser {
    const u: APIUser = { id: this.snowflake(), username, discriminator: "0", global_name: username[0]!.toUpperCase() + username.slice(1), avatar: null, ...(opts.bot ? { bot: true } : {}) };
    this.users.set(u.id, u);
    return u;
  }

  /** A guild the bot is in (members: the bot and these users). */
  guild(name: string, members: APIUser[] = []): FakeGuild {
    const g: FakeGuild = { id: this.snowflake(), name, ownerId: members[0]?.id ?? this.bot.id, memberIds: new Set([this.bot.id, ...members.map((m) => m.id)]) };
    this.guilds.set(g.id, g);
    return g;
  }

  textChannel(guild: FakeGuild, name: string): APIChannel {
    const ch = { id: this.snowflake(), type: CHANNEL.GuildText, guild_id: guild.id, name, position: this.channels.size, permission_overwrites: [], nsfw: false, parent_id: null, topic: null, last_message_id: null, rate_limit_per_user: 0 } as APIChannel;
    this.channels.set(ch.id, ch);
    return ch;
  }

  /** A public thread under a text channel. */
  thread(parent: APIChannel, name: string, owner: APIUser): APIChannel {
    const guildId = (parent as { guild_id?: string }).guild_id!;
    const ch = {
      id: this.snowflake(),
      type: CHANNEL.PublicThread,
      guild_id: guildId,
      parent_id: parent.id,
      name,
      owner_id: owner.id,
      last_message_id: null,
      rate_limit_per_user: 0,
      message_count: 0,
      member_count: 1,
      thread_metadata: { archived: false, auto_archive_duration: 1440, archive_timestamp: this.timestamp(), locked: false },
    } as unknown as APIChannel;
    this.channels.set(ch.id, ch);
    return ch;
  }

  /** The DM channel between the bot and a user (created on first use, as POST /users/@me/channels). */
  dm(user: APIUser): APIChannel {
    for (const ch of this.channels.values()) {
      if (ch.type === CHANNEL.DM && (ch as { recipients?: APIUser[] }).recipients?.[0]?.id === user.id) return ch;
    }
    const ch = { id: this.snowflake(), type: CHANNEL.DM, recipients: [user], last_message_id: null, flags: 0 } as unknown as APIChannel;
    this.channels.set(ch.id, ch);
    return ch;
  }

  guildOf(channelId: string): FakeGuild | undefined {
    const gid = (this.channels.get(channelId) as { guild_id?: string } | undefined)?.guild_id;
    return gid ? this.guilds.get(gid) : undefined;
  }

  member(userId: string): APIGuildMember {
    const user = this.users.get(userId)!;
    return { user, roles: [], joined_at: new Date(Date.UTC(2024, 0, 1)).toISOString(), deaf: false, mute: false, flags: 0 } as unknown as APIGuildMember;
  }

  /** A person's message, with `mentions` and `referenced_message` filled as Discord fills them. */
  userMessage(spec: UserMessageSpec): APIMessage {
    const author = this.users.get(spec.author);
    if (!author) throw new Error(`fake discord: no user ${spec.author}`);
    const prefix = spec.mention === "plain" ? `<@${this.bot.id}> ` : spec.mention === "nickname" ? `<@!${this.bot.id}> ` : "";
    const attachments: APIAttachment[] = (spec.attachments ?? []).map((a) => {
      const id = this.snowflake();
      return { id, filename: a.filename, size: a.size, url: `https://cdn.discordapp.com/attachments/${spec.channel}/${id}/${a.filename}`, proxy_url: `https://media.discordapp.net/attachments/${spec.channel}/${id}/${a.filename}`, ...(a.contentType ? { content_type: a.contentType } : {}) };
    });
    return this.store(author, spec.channel, `${prefix}${spec.content ?? ""}`.trimEnd(), attachments, spec.replyTo);
  }

  /** A message the bot posted (POST /channels/:id/messages). */
  botMessage(channelId: string, content: string, replyTo: string | undefined, attachments: APIAttachment[]): APIMessage {
    return this.store(this.bot, channelId, content, attachments, replyTo);
  }

  /** MESSAGE_CREATE's payload: the message plus the gateway's extra fields (channel type; member and guild are already on it). */
  gatewayMessage(msg: APIMessage): Record<string, unknown> {
    return { ...msg, channel_type: this.channels.get(msg.channel_id)?.type };
  }

  /** Users named in the content (`<@id>` or `<@!id>`), as Discord resolves them into `mentions`. */
  private mentionsIn(content: string): APIUser[] {
    const ids = [...content.matchAll(/<@!?(\d+)>/g)].map((m) => m[1]!);
    return [...new Set(ids)].map((id) => this.users.get(id)).filter((u): u is APIUser => u !== undefined);
  }

  private store(author: APIUser, channelId: string, content: string, attachments: APIAttachment[], replyTo: string | undefined): APIMessage {
    const channel = this.channels.get(channelId);
    if (!channel) throw new Error(`fake discord: no channel ${channelId}`);
    const guild = this.guildOf(channelId);
    const referenced = replyTo ? this.messages.get(replyTo) : undefined;
    const mentions = this.mentionsIn(content);
    if (referenced && !mentions.some((u) => u.id === referenced.author.id)) mentions.push(referenced.author);
    const msg = {
      id: this.snowflake(),
      channel_id: channelId,
      author,
      content,
      timestamp: this.timestamp(),
      edited_timestamp: null,
      tts: false,
      mention_everyone: false,
      mentions,
      mention_roles: [],
      attachments,
      embeds: [],
      pinned: false,
      type: referenced ? MESSAGE.Reply : MESSAGE.Default,
      flags: 0,
      ...(guild ? { guild_id: guild.id, member: { roles: [], joined_at: new Date(Date.UTC(2024, 0, 1)).toISOString(), deaf: false, mute: false, flags: 0 } } : {}),
      ...(referenced
        ? { message_reference: { type: 0, message_id: referenced.id, channel_id: channelId, ...(guild ? { guild_id: guild.id } : {}) }, referenced_message: referenced }
        : {}),
    } as unknown as APIMessage;
    this.messages.set(msg.id, msg);
    return msg;
  }
}

import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { once } from "node:events";
import { Client, Events, GatewayIntentBits, Partials, Routes, type Message } from "discord.js";
import type { Logger } from "pino";
import { ChannelHaltError, ChannelSendError, type AdapterEvents, type ChannelAdapter, type ChannelRuntimeStatus, type InboundMessage, type OutboundPart } from "../types.js";
import { DISCORD_TEXT_LIMIT } from "./chunk.js";
import type { DiscordConfig } from "./config.js";
import { closeReason, describeDiscordError, haltReason, toSendError } from "./errors.js";
import { judgeDiscordMessage, type DiscordMessageFacts } from "./inbound.js";
import { stoppableShards } from "./shards.js";

export interface DiscordDeps {
  config: DiscordConfig;
  log: Logger;
  now: () => number;
  events: AdapterEvents;
}

/** Guild messages, DMs and their content: what reading and answering messages takes. */
const INTENTS = [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.DirectMessages, GatewayIntentBits.MessageContent];
/** Agent text never pings @everyone, roles or people, nor the person replied to. */
const NO_PINGS = { parse: [], replied_user: false };

/**
 * Discord through discord.js: REST (and, through GET /gateway/bot, the gateway URL) from
 * `apiBase`; the client keeps the gateway session itself (heartbeats, RESUME, re-IDENTIFY).
 * Sends go straight to REST with rate limits handed to the outbox, which persists the wait.
 */
export class DiscordAdapter implements ChannelAdapter {
  readonly name = "discord";
  readonly textLimit = DISCORD_TEXT_LIMIT;
  private client: Client | undefined;
  private selfId: string | undefined;
  private selfTag: string | undefined;
  private onInbound: ((msg: InboundMessage) => void) | undefined;
  private connected = false;
  private halted = false;
  private lastError: string | null = null;
  private lastAliveAt: number | null = null;
  private lastInboundAt: number | null = null;

  constructor(private readonly deps: DiscordDeps) {}

  async start(signal: AbortSignal, onInbound: (msg: InboundMessage) => void): Promise<void> {
    await this.stop();
    this.halted = false;
    this.onInbound = onInbound;
    signal.addEventListener("abort", () => void this.stop(), { once: true });
    const { config } = this.deps;
    const client = new Client({
      intents: INTENTS,
      // DM channels are not cached before their first message; without this their messages are lost.
      partials: [Partials.Channel],
      rest: { api: config.apiBase, rejectOnRateLimit: () => true, timeout: 30_000 },
      // Without it a stop during a reconnect can hang and leave a socket open.
      ws: { buildStrategy: stoppableShards },
    });
    this.client = client;
    this.listen(client);
    try {
      await client.login(config.token);
      if (!client.isReady()) await once(client, Events.ClientReady, { signal });
    } catch (err) {
      // A stop during login destroyed the client before its socket opened; login may open it after.
      if (this.client === client) await this.stop();
      else await client.destroy();
      const halt = haltReason(err);
      if (halt) {
        this.halt(halt);
        throw new ChannelHaltError(halt);
      }
      this.lastError = describeDiscordError(err);
      throw err;
    }
    if (this.client !== client) {
      await client.destroy();
      throw new Error("discord stopped while starting");
    }
    this.selfId = client.user?.id;
    this.selfTag = client.user?.tag;
    this.connected = true;
    this.lastError = null;
    this.markAlive();
    this.deps.log.info({ bot: this.selfTag, guilds: client.guilds.cache.size }, "discord connected");
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.connected = false;
    if (!client) return;
    client.removeAllListeners();
    await client.destroy();
  }

  status(): ChannelRuntimeStatus {
    return {
      connected: this.connected,
      ...(this.selfTag ? { accountId: this.selfTag } : {}),
      lastError: this.lastError,
      lastInboundAt: this.lastInboundAt,
      // discord.js heartbeats and resumes by itself: while its shard is ready, the session is alive.
      lastPollAt: this.connected ? this.deps.now() : this.lastAliveAt,
    };
  }

  async send(part: OutboundPart): Promise<{ providerMessageId: string }> {
    const client = this.client;
    if (!client) throw new ChannelSendError("discord is not running", true);
    // A thread is a channel of its own on Discord.
    const channelId = part.threadId ?? (await this.channelFor(client, part.chatId));
    const replyTo = part.replyToId;
    const body = {
      content: part.text ?? "",
      allowed_mentions: NO_PINGS,
      ...(replyTo ? { message_reference: { message_id: replyTo, fail_if_not_exists: false } } : {}),
    };
    const files = part.media ? [await attachment(part.media)] : undefined;
    try {
      const sent = (await client.rest.post(Routes.channelMessages(channelId), { body, ...(files ? { files } : {}) })) as { id: string };
      return { providerMessageId: sent.id };
    } catch (err) {
      throw toSendError(err);
    }
  }

  /** POST /channels/:id/typing (shows "typing…" for about ten seconds); the router refreshes it once per chat. */
  async typing(chatId: string): Promise<void> {
    await this.client?.rest.post(Routes.channelTyping(chatId)).catch((err: unknown) => {
      this.deps.log.debug({ err: describeDiscordError(err), chatId }, "discord typing failed");
    });
  }

  async react(msg: InboundMessage, emoji: string): Promise<void> {
    await this.client?.rest.put(Routes.channelMessageOwnReaction(msg.chatId, msg.providerMessageId, encodeURIComponent(emoji)));
  }

  /** Stops the bot; its token stays in the config (reset it in the Developer Portal to revoke it). */
  async logout(): Promise<void> {
    await this.stop();
  }

  /** A channel id, or `user:<id>` whose DM channel is opened (POST /users/@me/channels). */
  private async channelFor(client: Client, chatId: string): Promise<string> {
    const user = /^user:(\d{5,25})$/.exec(chatId)?.[1];
    if (!user) {
      if (!/^\d{5,25}$/.test(chatId)) throw new ChannelSendError(`not a Discord channel id: ${chatId}`, false);
      return chatId;
    }
    try {
      const dm = (await client.rest.post(Routes.userChannels(), { body: { recipient_id: user } })) as { id: string };
      return dm.id;
    } catch (err) {
      throw toSendError(err);
    }
  }

  private listen(client: Client): void {
    client.on(Events.MessageCreate, (m) => this.inbound(m));
    client.on(Events.ShardReady, () => this.up());
    client.on(Events.ShardResume, () => this.up());
    client.on(Events.ShardReconnecting, () => {
      this.connected = false;
      this.markAlive();
    });
    client.on(Events.ShardError, (err) => {
      this.lastError = describeDiscordError(err);
      this.deps.log.warn({ err: this.lastError }, "discord gateway error");
    });
    client.on(Events.ShardDisconnect, (event) => {
      // discord.js gives up only on close codes retrying cannot fix; say what to change.
      const reason = closeReason(event.code) ?? `discord gateway closed with ${event.code} and will not reconnect`;
      this.halt(reason);
      if (this.client === client) void this.stop();
    });
  }

  private up(): void {
    if (this.halted) return;
    this.connected = true;
    this.lastError = null;
    this.markAlive();
  }

  private halt(message: string): void {
    this.halted = true;
    this.connected = false;
    this.lastError = message;
    this.deps.log.error({ err: message }, "discord channel stopped");
  }

  private markAlive(): void {
    this.lastAliveAt = this.deps.now();
  }

  private inbound(m: Message): void {
    this.markAlive();
    const selfId = this.selfId ?? m.client.user.id;
    if (!this.onInbound) return;
    const verdict = judgeDiscordMessage(facts(m), selfId, this.deps.config);
    if (verdict.kind === "skip") return this.deps.log.debug({ why: verdict.why, id: m.id }, "discord message skipped");
    if (verdict.kind === "drop") {
      this.deps.events.dropped(verdict.reason);
      return this.deps.log.debug({ why: verdict.why, id: m.id }, "discord message dropped");
    }
    this.lastInboundAt = this.deps.now();
    this.onInbound(verdict.msg);
  }
}

/** The facts the channel reads of a discord.js message. */
function facts(m: Message): DiscordMessageFacts {
  const channel = m.channel;
  return {
    id: m.id,
    channelId: m.channelId,
    guildId: m.guildId ?? undefined,
    channelType: channel.type,
    parentId: channel.isThread() ? (channel.parentId ?? undefined) : undefined,
    authorId: m.author.id,
    authorIsBot: m.author.bot,
    authorName: m.member?.displayName ?? m.author.globalName ?? m.author.username,
    system: m.system,
    content: m.content,
    mentionedIds: [...m.mentions.users.keys()],
    replyToId: m.reference?.messageId,
    repliedToId: m.mentions.repliedUser?.id,
    attachments: [...m.attachments.values()].map((a) => ({ name: a.name, size: a.size, contentType: a.contentType ?? undefined, url: a.url })),
    createdAt: m.createdTimestamp,
  };
}

async function attachment(media: NonNullable<OutboundPart["media"]>): Promise<{ name: string; data: Buffer }> {
  if (!media.path) throw new ChannelSendError("discord attachments need a local file (media.path)", false);
  const data = await readFile(media.path).catch((err: unknown) => {
    throw new ChannelSendError(`cannot read ${media.path}: ${(err as Error).message}`, false);
  });
  return { name: media.fileName ?? basename(media.path), data };
}

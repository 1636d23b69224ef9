import type { IncomingMessage, ServerResponse } from "node:http";
import { readFile, rm } from "node:fs/promises";
import { basename, join } from "node:path";
import bolt from "@slack/bolt";
import type { Logger } from "pino";
import { Backoff } from "@clawdbot/protocol/client";
import { ChannelHaltError, ChannelSendError, type AdapterEvents, type ChannelAdapter, type ChannelRuntimeStatus, type InboundMessage, type OutboundPart } from "../types.js";
import { boltLogger } from "./bolt-logger.js";
import { parseSlackChatId, type SlackTarget } from "./chat-id.js";
import type { SlackConfig } from "./config.js";
import { describeSlackError, platformError, toSendError, tokenRefused } from "./errors.js";
import { SLACK_TEXT_LIMIT } from "./mrkdwn.js";
import { judgeSlackEvent, type SlackMessageEvent, type SlackSelf } from "./inbound.js";
import { ThreadMemory } from "./threads.js";

const { App, HTTPReceiver, SocketModeReceiver, webApi } = bolt;
type App = InstanceType<typeof App>;
type WebClient = InstanceType<typeof webApi.WebClient>;
type SocketModeClient = InstanceType<typeof SocketModeReceiver>["client"];

export interface SlackDeps {
  config: SlackConfig;
  stateDir: string;
  log: Logger;
  now: () => number;
  events: AdapterEvents;
}


/**
 * Slack through Bolt's App. Socket Mode keeps one WebSocket (Bolt's own reconnects are off: a
 * new socket is opened only after the old one has closed, with backoff, and never after Slack
 * refused a token); HTTP mode takes Slack's signed requests on the gateway's own port. Every Web
 * API call, apps.connections.open included, goes to `apiUrl`.
 */
export class SlackAdapter implements ChannelAdapter {
  readonly name = "slack";
  readonly textLimit = SLACK_TEXT_LIMIT;
  readonly httpPath: string | undefined;
  private readonly threads: ThreadMemory;
  /** Display names by user id, looked up once; the same promise keeps one person's messages in order. */
  private readonly userNames = new Map<string, Promise<string | undefined>>();
  private readonly backoff = new Backoff(1000, 30_000);
  private app: App | undefined;
  private web: WebClient | undefined;
  private socket: SocketModeClient | undefined;
  private http: InstanceType<typeof HTTPReceiver> | undefined;
  private self: (SlackSelf & { team: string }) | undefined;
  private onInbound: ((msg: InboundMessage) => void) | undefined;
  private reconnect: NodeJS.Timeout | undefined;
  /** A socket being opened (apps.connections.open, then the WebSocket until hello). */
  private opening: Promise<unknown> | undefined;
  /** Settles once the opening socket exists (or the opening ended): from then on a disconnect ends it. */
  private dialing: Promise<void> | undefined;
  private stopping = true;
  private connected = false;
  private halted = false;
  private lastError: string | null = null;
  private lastAliveAt: number | null = null;
  private lastInboundAt: number | null = null;
  /** Which event type first brought each recent message (`message` and `app_mention` describe the same one). */
  private readonly firstSeen = new Map<string, string>();

  constructor(private readonly deps: SlackDeps) {
    this.threads = new ThreadMemory(this.stateDir, deps.log);
    this.httpPath = deps.config.mode === "http" ? deps.config.eventsPath : undefined;
  }

  private get stateDir(): string {
    return join(this.deps.stateDir, "channels", "slack", this.deps.config.accountId);
  }

  async start(signal: AbortSignal, onInbound: (msg: InboundMessage) => void): Promise<void> {
    await this.stop();
    this.stopping = false;
    this.halted = false;
    this.onInbound = onInbound;
    signal.addEventListener("abort", () => void this.stop(), { once: true });
    const { config } = this.deps;
    const logger = boltLogger(this.deps.log);
    // Retries are the outbox's (it persists them); a 429 comes back at once with its Retry-After.
    const clientOptions = { slackApiUrl: config.apiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true, timeout: 30_000, logger };
    const web = new webApi.WebClient(config.botToken, clientOptions);
    this.web = web;
    const who = await web.auth.test().catch((err: unknown) => {
      throw this.startFailure(err, "bot");
    });
    if (this.stopping) throw new Error("slack stopped while starting");
    this.self = { userId: String(who.user_id), botId: String(who.bot_id), name: String(who.user ?? "bot"), team: String(who.team ?? "") };
    await this.threads.load();
    const receiver =
      config.mode === "socket"
        ? new SocketModeReceiver({ appToken: config.appToken!, logger, autoReconnectEnabled: false, installerOptions: { clientOptions } })
        : new HTTPReceiver({ signingSecret: config.signingSecret!, endpoints: [config.eventsPath], logger, processBeforeResponse: false });
    const app = new App({
      token: config.botToken,
      botId: this.self.botId,
      botUserId: this.self.userId,
      tokenVerificationEnabled: false,
      deferInitialization: true,
      receiver,
      clientOptions,
      logger,
      // The channel counts its own messages as drops; Bolt would hide them.
      ignoreSelf: false,
      convoStore: false,
    });
    app.event("message", async ({ event }) => this.inbound(event as unknown as SlackMessageEvent));
    app.event("app_mention", async ({ event }) => this.inbound(event as unknown as SlackMessageEvent));
    app.error(async (err) => this.deps.log.warn({ err: describeSlackError(err) }, "slack event handling failed"));
    await app.init();
    this.app = app;
    if (receiver instanceof SocketModeReceiver) await this.openSocket(receiver.client);
    else {
      this.http = receiver;
      this.connected = true;
      this.markAlive();
    }
    this.deps.log.info({ bot: this.self.name, team: this.self.team, mode: config.mode }, "slack connected");
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.reconnect);
    this.reconnect = undefined;
    const socket = this.socket;
    this.socket = undefined;
    this.http = undefined;
    // A disconnect during apps.connections.open would miss the socket opened after it; one waiting
    // for a hello that may never come is ended by the disconnect (its opening then fails).
    await this.dialing;
    // The client resolves once the socket has closed, so a restart never overlaps the old socket.
    if (socket) await socket.disconnect();
    await this.opening?.catch(() => undefined);
    await this.app?.stop().catch(() => undefined);
    this.app = undefined;
    this.connected = false;
    await this.threads.flush();
  }

  status(): ChannelRuntimeStatus {
    const alive = this.connected && !this.stopping;
    return {
      connected: alive,
      ...(this.self ? { accountId: `${this.self.name}@${this.self.team}` } : {}),
      lastError: this.lastError,
      lastInboundAt: this.lastInboundAt,
      // The Socket Mode client pings and drops a silent socket itself: while it says connected, it is alive.
      lastPollAt: alive ? this.deps.now() : this.lastAliveAt,
    };
  }

  /** HTTP mode: a request Slack sent to the events path; Bolt checks the signature (401 when bad or stale). */
  serveHttp(req: IncomingMessage, res: ServerResponse): void {
    const http = this.http;
    if (!http) {
      res.writeHead(503, { "content-type": "text/plain; charset=utf-8" }).end("slack channel not running\n");
      return;
    }
    this.markAlive();
    try {
      http.requestListener(req, res);
    } catch {
      // Bolt refuses what it does not route (anything but POST) by throwing.
      res.writeHead(405, { allow: "POST", "content-type": "text/plain; charset=utf-8" }).end("POST Slack events here\n");
    }
  }

  async send(part: OutboundPart): Promise<{ providerMessageId: string }> {
    const web = this.web;
    if (!web || this.stopping) throw new ChannelSendError("slack is not running", true);
    const target = await this.target(part.chatId);
    // In a thread every part stays in it; a part replying to a top-level message (replyToMode) starts one.
    const threadTs = target.threadTs ?? part.threadId ?? part.replyToId;
    try {
      const ts = part.media ? await this.upload(web, target.channel, threadTs, part) : await this.post(web, target.channel, threadTs, part.text ?? "");
      if (threadTs) this.threads.add(target.channel, threadTs);
      return { providerMessageId: ts };
    } catch (err) {
      throw toSendError(err);
    }
  }

  /** Slack has no typing indicator for bots outside its assistant threads; nothing to show. */
  async typing(): Promise<void> {}

  /** Adds a reaction (a name such as `eyes`) to a received message. */
  async react(msg: InboundMessage, emoji: string): Promise<void> {
    const target = parseSlackChatId(msg.chatId);
    if (!this.web || !target) return;
    await this.web.reactions.add({ channel: target.channel, timestamp: msg.providerMessageId, name: emoji.replace(/^:|:$/g, "") }).catch((err: unknown) => {
      if (platformError(err) !== "already_reacted") throw err;
    });
  }

  /** Stops the app and forgets local state (thread memory); the tokens stay in the config, revocable in Slack's app settings. */
  async logout(): Promise<void> {
    await this.stop();
    await rm(this.stateDir, { recursive: true, force: true });
  }

  private async post(web: WebClient, channel: string, threadTs: string | undefined, text: string): Promise<string> {
    const res = await web.chat.postMessage({ channel, text, ...(threadTs ? { thread_ts: threadTs } : {}), unfurl_links: false, unfurl_media: false });
    return String(res.ts);
  }

  /** files.uploadV2 (upload URL, bytes, completion); the file's id stands for the message. */
  private async upload(web: WebClient, channel: string, threadTs: string | undefined, part: OutboundPart): Promise<string> {
    const media = part.media!;
    if (!media.path) throw new ChannelSendError("slack uploads need a local file (media.path)", false);
    const file = await readFile(media.path).catch((err: unknown) => {
      throw new ChannelSendError(`cannot read ${media.path}: ${(err as Error).message}`, false);
    });
    const filename = media.fileName ?? basename(media.path);
    const comment = part.text ? { initial_comment: part.text } : {};
    const res = threadTs
      ? await web.filesUploadV2({ channel_id: channel, thread_ts: threadTs, file, filename, ...comment })
      : await web.filesUploadV2({ channel_id: channel, file, filename, ...comment });
    const uploaded = (res.files as { files?: { id?: string }[] }[] | undefined)?.[0]?.files?.[0]?.id;
    return uploaded ?? filename;
  }

  /** A chat id, or a user id (`U…`) whose DM is opened first. */
  private async target(chatId: string): Promise<SlackTarget> {
    const target = parseSlackChatId(chatId);
    if (!target) throw new ChannelSendError(`not a Slack conversation id: ${chatId}`, false);
    if (!/^[UW]/.test(target.channel)) return target;
    try {
      const opened = await this.web!.conversations.open({ users: target.channel });
      return { channel: String(opened.channel?.id), ...(target.threadTs ? { threadTs: target.threadTs } : {}) };
    } catch (err) {
      throw toSendError(err);
    }
  }

  private async openSocket(client: SocketModeClient): Promise<void> {
    this.socket = client;
    client.on("connected", () => {
      this.connected = true;
      this.lastError = null;
      this.backoff.reset();
      this.markAlive();
    });
    client.on("disconnected", () => {
      if (this.socket !== client) return;
      this.connected = false;
      this.markAlive();
      this.reconnectSoon(client);
    });
    client.on("slack_event", () => this.markAlive());
    try {
      await this.open(client);
    } catch (err) {
      this.socket = undefined;
      await client.disconnect();
      throw this.startFailure(err, "app");
    }
  }

  /** One reconnect at a time, after backoff; a refused app token stops the channel instead. */
  private reconnectSoon(client: SocketModeClient): void {
    if (this.reconnect || this.stopping || this.halted) return;
    const wait = this.backoff.next();
    this.deps.log.info({ retryInMs: wait }, "slack socket closed; reconnecting");
    this.reconnect = setTimeout(() => {
      this.open(client)
        .catch((err: unknown) => {
          if (this.stopping) return;
          if (tokenRefused(err)) this.halt(refusal(err, "app"));
          else this.lastError = describeSlackError(err);
        })
        .finally(() => {
          this.reconnect = undefined;
          if (!this.connected && this.socket === client) this.reconnectSoon(client);
        });
    }, wait);
    this.reconnect.unref();
  }

  /** Opens the socket (apps.connections.open, then hello); resolves once connected. */
  private open(client: SocketModeClient): Promise<unknown> {
    let dialed!: () => void;
    this.dialing = new Promise<void>((resolve) => (dialed = resolve));
    // The client says "connecting" once the WebSocket exists (after apps.connections.open answered).
    client.once("connecting", dialed);
    const opening = client.start().finally(() => {
      client.off("connecting", dialed);
      dialed();
      if (this.opening === opening) this.opening = undefined;
    });
    this.opening = opening;
    return opening;
  }

  private halt(message: string): void {
    this.halted = true;
    this.connected = false;
    this.lastError = message;
    this.deps.log.error({ err: message }, "slack channel stopped");
  }

  /** A start that failed: a refused token halts the account (no retry loop); anything else is retried. */
  private startFailure(err: unknown, token: "bot" | "app"): Error {
    if (tokenRefused(err)) {
      this.halt(refusal(err, token));
      return new ChannelHaltError(this.lastError!);
    }
    this.lastError = describeSlackError(err);
    return err instanceof Error ? err : new Error(this.lastError);
  }

  private markAlive(): void {
    this.lastAliveAt = this.deps.now();
  }

  private inbound(e: SlackMessageEvent): void {
    this.markAlive();
    if (!this.self || !this.onInbound) return;
    // `message` and `app_mention` both describe a mention; whichever comes second adds nothing.
    const key = `${e.channel}:${e.ts}`;
    const first = this.firstSeen.get(key);
    if (first !== undefined && first !== e.type) return;
    this.firstSeen.set(key, e.type);
    if (this.firstSeen.size > 1000) this.firstSeen.delete(this.firstSeen.keys().next().value as string);
    void this.route(e, this.self, this.onInbound);
  }

  private async route(e: SlackMessageEvent, self: SlackSelf, onInbound: (msg: InboundMessage) => void): Promise<void> {
    const ctx = { self, config: this.deps.config, inThread: (c: string, t: string) => this.threads.has(c, t) };
    const verdict = judgeSlackEvent(e, ctx, this.deps.config.accountId);
    if (verdict.kind === "skip") return this.deps.log.debug({ why: verdict.why, ts: e.ts }, "slack event skipped");
    if (verdict.kind === "drop") {
      this.deps.events.dropped(verdict.reason);
      return this.deps.log.debug({ why: verdict.why, ts: e.ts }, "slack message dropped");
    }
    this.lastInboundAt = this.deps.now();
    const name = await this.userName(verdict.msg.senderId);
    onInbound(name ? { ...verdict.msg, senderName: name } : verdict.msg);
  }

  /** A person's display name (users.info, asked once); undefined when Slack does not say. */
  private userName(id: string): Promise<string | undefined> {
    let name = this.userNames.get(id);
    if (!name) {
      name = this.lookUpName(id);
      this.userNames.set(id, name);
      if (this.userNames.size > 5000) this.userNames.delete(this.userNames.keys().next().value as string);
    }
    return name;
  }

  private async lookUpName(id: string): Promise<string | undefined> {
    try {
      const res = await this.web!.users.info({ user: id });
      return res.user?.profile?.display_name || res.user?.real_name || res.user?.name || undefined;
    } catch (err) {
      this.deps.log.debug({ err: describeSlackError(err), user: id }, "slack users.info failed");
      this.userNames.delete(id);
      return undefined;
    }
  }
}

/** What to change when Slack refuses a token. */
function refusal(err: unknown, token: "bot" | "app"): string {
  const code = platformError(err) ?? "refused";
  return token === "bot"
    ? `Slack refused the bot token (${code}): set channels.slack.botToken to the app's Bot User OAuth Token (OAuth & Permissions, xoxb-…); reinstall the app to the workspace if it was revoked`
    : `Slack refused the app-level token (${code}) when opening Socket Mode: set channels.slack.appToken to an app-level token with connections:write (Basic Information → App-Level Tokens, xapp-…) and turn on Socket Mode`;
}

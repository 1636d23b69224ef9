import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import { Type } from "@sinclair/typebox";
import { check } from "@clawdbot/protocol";
import { writeFileAtomic } from "../../store/atomic-file.js";
import type { ProcessTable } from "../../supervise/process-table.js";
import type { Supervisor } from "../../supervise/supervisor.js";
import { RpcError, RpcTransportError } from "../../transport/json-rpc.js";
import { SseClient, type SseEvent } from "../../transport/sse-client.js";
import { ChannelSendError, type AdapterEvents, type ChannelAdapter, type ChannelRuntimeStatus, type InboundMessage, type MediaRef, type OutboundPart, type ProbeResult } from "../types.js";
import { groupIdOfChat, type SignalConfig } from "./config.js";
import { mentionRegExp } from "../group-config.js";
import { freeLoopbackPort, signalDaemonSupervisor, signalStateDir } from "./daemon.js";
import { classifyEvent, messageRef, parseMessageRef, type SignalAttachment, type SignalSelf } from "./envelope.js";
import { SignalRpc } from "./rpc.js";

export interface SignalDeps {
  config: SignalConfig;
  stateDir: string;
  log: Logger;
  now: () => number;
  events: AdapterEvents;
  table: ProcessTable;
}

const SendResult = Type.Object({ timestamp: Type.Integer() });
const AttachmentData = Type.Object({ data: Type.String() });
const UserStatus = Type.Array(Type.Object({ number: Type.Optional(Type.Union([Type.String(), Type.Null()])), uuid: Type.Optional(Type.Union([Type.String(), Type.Null()])) }));

/** signal-cli's error codes for problems that sending again will not fix. */
const PERMANENT = new Set([-1, -4, -32600, -32601, -32602]);
const RATE_LIMITED = -5;

/**
 * Signal through signal-cli's HTTP daemon: JSON-RPC for sending, Server-Sent Events for receiving.
 * With `httpUrl` it uses a daemon someone else runs; otherwise it spawns and supervises its own.
 */
export class SignalAdapter implements ChannelAdapter {
  readonly name = "signal";
  readonly textLimit = 4000;
  private rpc: SignalRpc | undefined;
  private sse: SseClient | undefined;
  private daemon: Supervisor | undefined;
  private selfUuid: string | undefined;
  private lastInboundAt: number | null = null;
  private lastOutboundAt: number | null = null;
  private startError: string | null = null;
  /** Events are handled one at a time so attachments being fetched never reorder a chat. */
  private queue: Promise<void> = Promise.resolve();
  private readonly mentionPatterns: RegExp[];

  constructor(private readonly deps: SignalDeps) {
    this.selfUuid = deps.config.accountUuid;
    this.mentionPatterns = deps.config.mentionPatterns.map(mentionRegExp);
  }

  async start(signal: AbortSignal, onInbound: (msg: InboundMessage) => void): Promise<void> {
    await this.stop();
    const { config, log } = this.deps;
    try {
      const baseUrl = config.httpUrl ?? (await this.spawnDaemon());
      const rpc = this.rpc ?? new SignalRpc(baseUrl, 15_000);
      this.rpc = rpc;
      if (!config.autoStart && !(await rpc.check())) throw new Error(`no signal-cli daemon answers at ${baseUrl}/api/v1/check`);
      if (signal.aborted) return;
      await this.discoverUuid(rpc);
      const sse = new SseClient({ url: `${baseUrl}/api/v1/events`, log, silenceMs: config.eventsIdleMs, onEvent: (ev) => this.onEvent(ev, onInbound) }, this.deps.now);
      this.sse = sse;
      await sse.start();
      this.startError = null;
      log.info({ account: config.account, daemon: baseUrl, spawned: config.autoStart }, "signal receiving");
    } catch (err) {
      this.startError = (err as Error).message;
      await this.stop();
      throw err;
    }
  }

  async stop(): Promise<void> {
    const sse = this.sse;
    this.sse = undefined;
    await sse?.stop();
    await this.queue;
    const daemon = this.daemon;
    this.daemon = undefined;
    this.rpc = undefined;
    await daemon?.stop();
  }

  status(): ChannelRuntimeStatus {
    const sse = this.sse?.status();
    const program = this.daemon?.status();
    return {
      connected: !!sse?.connected && (!program || program.state === "running"),
      accountId: this.deps.config.account,
      lastError: this.startError ?? program?.lastError ?? sse?.lastError ?? null,
      lastInboundAt: this.lastInboundAt,
      lastPollAt: sse?.lastByteAt ?? null,
      lastOutboundAt: this.lastOutboundAt,
      ...(program ? { program } : {}),
    };
  }

  async send(part: OutboundPart): Promise<{ providerMessageId: string }> {
    const params: Record<string, unknown> = { ...this.target(part.chatId) };
    if (part.text) params["message"] = part.text;
    if (part.media) params["attachments"] = [this.attachmentArg(part.media)];
    const quote = part.replyToId && part.chatId.startsWith("group:") ? parseMessageRef(part.replyToId) : undefined;
    if (quote?.author) Object.assign(params, { quoteTimestamp: quote.timestamp, quoteAuthor: this.recipientId(quote.author) });
    const result = await this.call("send", params);
    const parsed = check(SendResult, result);
    if (!parsed.ok) throw new ChannelSendError("signal-cli answered send without a timestamp", false);
    this.lastOutboundAt = this.deps.now();
    return { providerMessageId: messageRef(parsed.value.timestamp, this.deps.config.account) };
  }

  async typing(chatId: string): Promise<void> {
    await this.rpcOrFail("sendTyping")
      .notify("sendTyping", this.target(chatId))
      .catch((err: unknown) => this.deps.log.debug({ err: (err as Error).message }, "signal typing failed"));
  }

  async react(msg: InboundMessage, emoji: string): Promise<void> {
    const ref = parseMessageRef(msg.providerMessageId);
    if (!ref) return;
    await this.call("sendReaction", { ...this.target(msg.chatId), emoji, targetAuthor: this.recipientId(ref.author), targetTimestamp: ref.timestamp });
  }

  async markRead(msg: InboundMessage): Promise<void> {
    if (!this.deps.config.sendReadReceipts) return;
    const ref = parseMessageRef(msg.providerMessageId);
    if (!ref) return;
    await this.call("sendReceipt", { recipient: [this.recipientId(ref.author)], targetTimestamp: [ref.timestamp], type: "read" });
  }

  async probe(timeoutMs: number): Promise<ProbeResult> {
    const started = Date.now();
    const rpc = this.rpc ?? (this.deps.config.httpUrl ? new SignalRpc(this.deps.config.httpUrl, timeoutMs) : undefined);
    if (!rpc) return { ok: false, error: "signal-cli is not running", elapsedMs: 0 };
    try {
      const version = await rpc.request("version", {}, { timeoutMs });
      return { ok: true, elapsedMs: Date.now() - started, version };
    } catch (err) {
      return { ok: false, error: (err as Error).message, elapsedMs: Date.now() - started };
    }
  }

  async logout(): Promise<void> {
    await this.stop();
    await rm(signalStateDir(this.deps.stateDir, this.deps.config.accountId), { recursive: true, force: true });
    await rm(this.mediaDir(), { recursive: true, force: true });
  }

  private async spawnDaemon(): Promise<string> {
    const port = await freeLoopbackPort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const rpc = new SignalRpc(baseUrl, 15_000);
    const daemon = signalDaemonSupervisor({
      config: this.deps.config,
      port,
      rpc,
      stateDir: this.deps.stateDir,
      log: this.deps.log,
      table: this.deps.table,
      now: this.deps.now,
      // A restarted daemon is listening again: reopen the event stream now, not after its backoff.
      onReady: () => this.sse?.wake(),
    });
    this.daemon = daemon;
    this.rpc = rpc;
    await daemon.start();
    return baseUrl;
  }

  /** The account's UUID makes mentions by UUID count; signal-cli tells it through getUserStatus. */
  private async discoverUuid(rpc: SignalRpc): Promise<void> {
    if (this.selfUuid) return;
    try {
      const res = check(UserStatus, await rpc.request("getUserStatus", { recipient: [this.deps.config.account] }));
      const uuid = res.ok ? res.value.find((u) => u.number === this.deps.config.account)?.uuid : undefined;
      if (uuid) this.selfUuid = uuid.toLowerCase();
    } catch (err) {
      this.deps.log.warn({ err: (err as Error).message }, "could not learn the account's UUID; mentions by UUID will not count (set accountUuid)");
    }
  }

  private onEvent(ev: SseEvent, onInbound: (msg: InboundMessage) => void): void {
    if (ev.event !== "receive") return;
    this.queue = this.queue.then(() => this.handle(ev.data, onInbound)).catch((err: unknown) => this.deps.log.error({ err }, "signal event handling failed"));
  }

  private async handle(data: string, onInbound: (msg: InboundMessage) => void): Promise<void> {
    const { config, log, events } = this.deps;
    const self: SignalSelf = { account: config.account, uuid: this.selfUuid, mentionPatterns: this.mentionPatterns };
    const c = classifyEvent(data, self, config.accountId);
    if (c.kind === "ignore") {
      log.debug({ why: c.why }, "signal event ignored");
      return;
    }
    if (c.kind === "drop") {
      log.debug({ why: c.why }, "signal message dropped");
      events.dropped(c.reason);
      return;
    }
    if (config.deniedGroups.includes(c.msg.chatId)) {
      events.dropped("group_not_allowed");
      return;
    }
    c.msg.media = await Promise.all(c.attachments.map((a) => this.fetchAttachment(a)));
    this.lastInboundAt = this.deps.now();
    onInbound(c.msg);
  }

  /** Fetches an attachment through getAttachment into the media folder; one over mediaMaxMb is announced, not fetched. */
  private async fetchAttachment(a: SignalAttachment): Promise<MediaRef> {
    const kind = mediaKind(a.contentType ?? "");
    const base: MediaRef = { kind, ...(a.filename ? { fileName: a.filename } : {}), ...(a.contentType ? { mimeType: a.contentType } : {}), ...(a.size ? { size: a.size } : {}) };
    const max = this.deps.config.mediaMaxBytes;
    const tooBig = () => ({ ...base, skipped: `larger than ${Math.round(max / 1024 / 1024)} MB (mediaMaxMb)` });
    if (a.size && a.size > max) return tooBig();
    try {
      const res = check(AttachmentData, await this.rpcOrFail("getAttachment").request("getAttachment", { id: a.id }));
      if (!res.ok) return { ...base, skipped: "signal-cli returned no data" };
      const bytes = Buffer.from(res.value.data, "base64");
      if (bytes.length > max) return tooBig();
      const path = join(this.mediaDir(), safeName(a.id!));
      await mkdir(this.mediaDir(), { recursive: true, mode: 0o700 });
      await writeFileAtomic(path, bytes);
      return { ...base, path, size: bytes.length };
    } catch (err) {
      this.deps.log.warn({ err: (err as Error).message, id: a.id }, "signal attachment could not be fetched");
      return { ...base, skipped: `could not be fetched: ${(err as Error).message}` };
    }
  }

  private mediaDir(): string {
    return join(this.deps.stateDir, "media", "signal", this.deps.config.accountId);
  }

  /** `send`/`sendTyping` address: a group id or one recipient (number, or bare UUID). */
  private target(chatId: string): Record<string, unknown> {
    if (chatId.startsWith("group:")) return { groupId: groupIdOfChat(chatId) };
    return { recipient: [this.recipientId(chatId)] };
  }

  private recipientId(address: string): string {
    return address.startsWith("uuid:") ? address.slice(5) : address;
  }

  private attachmentArg(media: MediaRef): string {
    if (media.path) return media.path;
    if (media.url?.startsWith("data:")) return media.url;
    throw new ChannelSendError("Signal sends files from a local path or a data: URL", false);
  }

  private rpcOrFail(method: string): SignalRpc {
    if (!this.rpc) throw new ChannelSendError(`signal: ${method} while the daemon is not running`, true);
    return this.rpc;
  }

  private async call(method: string, params: Record<string, unknown>): Promise<unknown> {
    try {
      return await this.rpcOrFail(method).request(method, params);
    } catch (err) {
      throw toSendError(err);
    }
  }
}

function toSendError(err: unknown): ChannelSendError {
  if (err instanceof ChannelSendError) return err;
  if (err instanceof RpcError) {
    if (err.code === RATE_LIMITED) return new ChannelSendError(err.message, true, 60_000);
    return new ChannelSendError(err.message, !PERMANENT.has(err.code));
  }
  if (err instanceof RpcTransportError) return new ChannelSendError(err.message, true);
  return new ChannelSendError((err as Error)?.message ?? String(err), true);
}

function mediaKind(contentType: string): MediaRef["kind"] {
  if (contentType.startsWith("image/")) return "photo";
  if (contentType.startsWith("video/")) return "video";
  if (contentType.startsWith("audio/")) return "audio";
  return "document";
}

/** Attachment ids are file names chosen by signal-cli; keep them to one safe path segment. */
function safeName(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]/g, "_").replace(/^\.+/, "_");
}

import { chmod, mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Boom } from "@hapi/boom";
import { Browsers, DisconnectReason, downloadMediaMessage, makeWASocket, type AnyMessageContent, type BaileysEventMap, type WAMessage } from "@whiskeysockets/baileys";
import type { Logger } from "pino";
import { Backoff } from "@clawdbot/protocol/client";
import { ChannelSendError, type AdapterEvents, type ChannelAdapter, type ChannelLogin, type ChannelRuntimeStatus, type InboundMessage, type LoginCode, type MediaRef, type OutboundPart, type PollRequest, type ProbeResult } from "../types.js";
import { WhatsAppAuthStore } from "./auth-store.js";
import type { WhatsAppConfig } from "./config.js";
import { normalizeWhatsApp, type InboundContext, type MediaSource } from "./inbound.js";
import { jidToE164, toJid } from "./jid.js";
import { LoginAttempt, PAIRING_CODE_TTL_MS, within } from "./login.js";
import type { MediaDownloader, SocketFactory, WhatsAppSocket, WhatsAppTransport } from "./socket.js";

export interface WhatsAppDeps {
  config: WhatsAppConfig;
  stateDir: string;
  log: Logger;
  now: () => number;
  events: AdapterEvents;
  transport: WhatsAppTransport | undefined;
}

const NOT_LINKED = "not linked: run `clawdbot channels login whatsapp` and scan the QR code";
const RELINK = "logged out from the phone: re-link needed (`clawdbot channels login whatsapp`)";
const REPLACED = "replaced by another WhatsApp Web session for this number; stopped (run `clawdbot channels login whatsapp --force` to take over)";
const GROUP_TTL_MS = 5 * 60_000;
const REMEMBERED = 500;

const realDownload: MediaDownloader = (msg) => downloadMediaMessage(msg, "buffer", {});

/**
 * WhatsApp through Baileys: one linked device per account, credentials saved on every change,
 * reconnects with backoff (515 once at once, 401 wipes, 440 stops), a watchdog for sockets that
 * are open but silent, inbound normalised to E.164, outbound through the gateway's outbox.
 */
export class WhatsAppAdapter implements ChannelAdapter {
  readonly name = "whatsapp";
  readonly textLimit = 4000;
  private readonly makeSocket: SocketFactory;
  private readonly download: MediaDownloader;
  private readonly dir: string;
  private store: WhatsAppAuthStore | undefined;
  private sock: WhatsAppSocket | undefined;
  private detach: (() => void) | undefined;
  private onInbound: ((msg: InboundMessage) => void) | undefined;
  private running = false;
  private connected = false;
  private lastError: string | null = null;
  private lastInboundAt: number | null = null;
  private lastOutboundAt: number | null = null;
  private lastConnectedAt: number | null = null;
  private lastActivityAt: number | null = null;
  private retry: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private readonly backoff: Backoff;
  private attempt: LoginAttempt | undefined;
  private readonly sentIds = new Set<string>();
  private readonly recent = new Map<string, WAMessage>();
  private readonly groups = new Map<string, { subject: Promise<string | undefined>; at: number }>();
  private readonly mentionPatterns: RegExp[];

  constructor(private readonly deps: WhatsAppDeps) {
    this.makeSocket = deps.transport?.makeSocket ?? ((cfg) => makeWASocket(cfg));
    this.download = deps.transport?.download ?? realDownload;
    this.dir = join(deps.stateDir, "credentials", "whatsapp", deps.config.accountId);
    this.backoff = new Backoff(deps.config.reconnect.initialMs, deps.config.reconnect.maxMs);
    this.mentionPatterns = deps.config.mentionPatterns.map((p) => new RegExp(p, "i"));
  }

  async start(signal: AbortSignal, onInbound: (msg: InboundMessage) => void): Promise<void> {
    await this.stop();
    this.onInbound = onInbound;
    this.running = true;
    signal.addEventListener("abort", () => void this.stop(), { once: true });
    const store = await this.openStore();
    const every = Math.max(50, Math.min(60_000, Math.floor(this.deps.config.watchdogMs / 4)));
    this.watchdog = setInterval(() => this.checkWatchdog(), every);
    this.watchdog.unref();
    if (!store.linked) {
      this.lastError = NOT_LINKED;
      return;
    }
    this.connect();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.retry);
    clearInterval(this.watchdog);
    this.attempt?.end({ connected: false, message: "the WhatsApp channel stopped" });
    await this.closeSocket();
    await this.store?.flush();
  }

  status(): ChannelRuntimeStatus {
    const self = jidToE164(this.sock?.user?.id ?? this.store?.creds.me?.id);
    return {
      connected: this.connected,
      ...(self ? { accountId: self } : {}),
      linked: this.store?.linked ?? false,
      lastError: this.lastError,
      lastInboundAt: this.lastInboundAt,
      lastPollAt: this.lastActivityAt,
      lastConnectedAt: this.lastConnectedAt,
      lastOutboundAt: this.lastOutboundAt,
    };
  }

  /** Unlinks on the phone's side too (when connected), then forgets the credentials. */
  async logout(): Promise<void> {
    const sock = this.sock;
    if (sock && this.connected) {
      this.detachSocket();
      await sock.logout("logged out with clawdbot channels logout").catch((err: unknown) => this.deps.log.warn({ err }, "WhatsApp logout on the phone side failed"));
    }
    await this.stop();
    await this.store?.wipe();
    await rm(this.dir, { recursive: true, force: true });
    this.store = undefined;
    this.lastError = NOT_LINKED;
  }

  readonly login: ChannelLogin = {
    start: (opts, onCode) => this.startLogin(opts, onCode),
    wait: async (timeoutMs) => {
      // A finished attempt keeps its outcome: a wait that comes late still learns how it ended.
      if (!this.attempt) {
        return this.store?.linked
          ? { connected: true, message: `linked as ${this.status().accountId ?? "this number"}` }
          : { connected: false, message: "no login in progress: start one with web.login.start" };
      }
      return within(this.attempt.outcome, timeoutMs, { connected: false, message: `not linked yet after ${Math.round(timeoutMs / 1000)} s` });
    },
  };

  async send(part: OutboundPart): Promise<{ providerMessageId: string }> {
    const sock = this.requireSocket();
    const jid = toJid(part.chatId);
    const quoted = part.replyToId ? this.quotedFor(jid, part.replyToId) : undefined;
    const content = part.media ? mediaContent(part.media, part.text) : { text: part.text ?? "" };
    return this.deliver(sock, jid, content, quoted);
  }

  async sendPoll(req: PollRequest): Promise<{ providerMessageId: string }> {
    const sock = this.requireSocket();
    return this.deliver(sock, toJid(req.chatId), { poll: { name: req.question, values: [...req.options], selectableCount: req.maxSelections } });
  }

  async typing(chatId: string): Promise<void> {
    if (!this.sock || !this.connected) return;
    await this.sock.sendPresenceUpdate("composing", toJid(chatId));
  }

  async markRead(msg: InboundMessage): Promise<void> {
    const m = this.recent.get(msg.providerMessageId);
    if (!this.sock || !m?.key) return;
    await this.sock.readMessages([m.key]);
  }

  async react(msg: InboundMessage, emoji: string): Promise<void> {
    const m = this.recent.get(msg.providerMessageId);
    if (!this.sock || !m?.key) return;
    await this.sock.sendMessage(msg.chatId, { react: { text: emoji, key: m.key } });
  }

  /** WhatsApp has no cheap request to ask; the probe reports the connection and its last sign of life. */
  async probe(): Promise<ProbeResult> {
    const st = this.status();
    const silentForMs = this.lastActivityAt === null ? null : this.deps.now() - this.lastActivityAt;
    return { ok: this.connected, elapsedMs: 0, linked: st.linked ?? false, ...(st.accountId ? { self: st.accountId } : {}), silentForMs, ...(this.connected ? {} : { error: this.lastError ?? "not connected" }) };
  }

  private async openStore(): Promise<WhatsAppAuthStore> {
    this.store ??= await WhatsAppAuthStore.open(this.dir, this.deps.log);
    return this.store;
  }

  private requireSocket(): WhatsAppSocket {
    if (!this.sock || !this.connected) throw new ChannelSendError(`WhatsApp is not connected${this.lastError ? ` (${this.lastError})` : ""}`, true);
    return this.sock;
  }

  private async deliver(sock: WhatsAppSocket, jid: string, content: AnyMessageContent, quoted?: WAMessage): Promise<{ providerMessageId: string }> {
    try {
      const sent = await sock.sendMessage(jid, content, quoted ? { quoted } : {});
      const id = sent?.key?.id;
      if (!id) throw new ChannelSendError("WhatsApp returned no message id", true);
      this.remember(this.sentIds, id);
      this.lastOutboundAt = this.deps.now();
      return { providerMessageId: id };
    } catch (err) {
      if (err instanceof ChannelSendError) throw err;
      const status = (err as Boom).output?.statusCode;
      // Bad requests (unknown number, media WhatsApp refuses) do not get better by retrying.
      throw new ChannelSendError(`WhatsApp send failed: ${(err as Error).message}`, status === undefined || status >= 500 || status === 408 || status === 428);
    }
  }

  /** The message a reply quotes: the one we received, or a stub WhatsApp resolves by id. */
  private quotedFor(jid: string, id: string): WAMessage {
    return this.recent.get(id) ?? { key: { remoteJid: jid, id, fromMe: false }, message: { conversation: "" } };
  }

  private connect(): void {
    const store = this.store;
    if (!store || !this.running) return;
    const { config } = this.deps;
    const sock = this.makeSocket({
      auth: { creds: store.creds, keys: store.keys },
      version: [...config.webVersion],
      waWebSocketUrl: config.webSocketUrl,
      logger: this.deps.log.child({ lib: "baileys" }, { level: "warn" }),
      browser: Browsers.macOS("Desktop"),
      connectTimeoutMs: config.connectTimeoutMs,
      keepAliveIntervalMs: config.keepAliveIntervalMs,
      markOnlineOnConnect: config.sendPresence,
      syncFullHistory: false,
      shouldSyncHistoryMessage: () => false,
      getMessage: async (key) => (key.id ? (this.recent.get(key.id)?.message ?? undefined) : undefined),
    });
    this.sock = sock;
    this.lastActivityAt = this.deps.now();
    const unprocess = sock.ev.process((events) => this.onEvents(sock, events));
    const onFrame = () => (this.lastActivityAt = this.deps.now());
    sock.ws.on("message", onFrame);
    this.detach = () => {
      unprocess();
      sock.ws.off("message", onFrame);
    };
  }

  /** Stops listening to the current socket (its later events are ignored). */
  private detachSocket(): WhatsAppSocket | undefined {
    const sock = this.sock;
    this.detach?.();
    this.detach = undefined;
    this.sock = undefined;
    this.connected = false;
    return sock;
  }

  private async closeSocket(): Promise<void> {
    const sock = this.detachSocket();
    if (sock) await Promise.resolve(sock.end(undefined)).catch(() => undefined);
  }

  private async onEvents(sock: WhatsAppSocket, events: Partial<BaileysEventMap>): Promise<void> {
    if (sock !== this.sock) return;
    this.lastActivityAt = this.deps.now();
    const creds = events["creds.update"];
    if (creds && this.store) {
      Object.assign(this.store.creds, creds);
      await this.store.saveCreds().catch(() => undefined);
    }
    const update = events["connection.update"];
    if (update) await this.onConnection(sock, update);
    const upsert = events["messages.upsert"];
    if (upsert && sock === this.sock) {
      if (upsert.type === "append") for (let i = 0; i < upsert.messages.length; i++) this.deps.events.dropped("history");
      else for (const m of upsert.messages) await this.onMessage(sock, m);
    }
  }

  private async onConnection(sock: WhatsAppSocket, u: BaileysEventMap["connection.update"]): Promise<void> {
    if (u.qr) await this.onQr(sock, u.qr);
    if (u.connection === "open") {
      // Credentials from the link (creds.update) are saved by a concurrent handler; "linked" is
      // only said once they are on disk, so a crash right after it cannot unlink the account.
      await this.store?.flush();
      if (sock !== this.sock) return;
      this.connected = true;
      this.lastConnectedAt = this.deps.now();
      this.lastError = null;
      this.backoff.reset();
      this.deps.log.info({ self: jidToE164(sock.user?.id) }, "WhatsApp connected");
      if (this.attempt?.active) {
        this.attempt.end({ connected: true, message: `linked as ${jidToE164(sock.user?.id) ?? "this number"}` });
        this.deps.events.linked?.();
      }
      if (this.deps.config.sendPresence) await sock.sendPresenceUpdate("available").catch(() => undefined);
    }
    if (u.connection === "close") {
      const err = u.lastDisconnect?.error as (Error & Partial<Boom>) | undefined;
      await this.onClose(sock, err?.output?.statusCode, err?.message ?? "connection closed");
    }
  }

  private async onQr(sock: WhatsAppSocket, qr: string): Promise<void> {
    const attempt = this.attempt;
    if (!attempt?.active) {
      // Credentials that do not log in ask for a QR code: nobody is there to scan it.
      this.lastError = NOT_LINKED;
      await this.closeSocket();
      return;
    }
    if (!attempt.phone) {
      attempt.code({ kind: "qr", qr, expiresAt: this.deps.now() + attempt.qrTtl() });
      return;
    }
    if (attempt.pairingRequested) return;
    attempt.pairingRequested = true;
    try {
      const code = await sock.requestPairingCode(attempt.phone.replace(/[^0-9]/g, ""));
      attempt.code({ kind: "pairing-code", code, expiresAt: this.deps.now() + PAIRING_CODE_TTL_MS });
    } catch (err) {
      attempt.end({ connected: false, message: `WhatsApp refused a pairing code for ${attempt.phone}: ${(err as Error).message}` });
    }
  }

  private async onClose(sock: WhatsAppSocket, code: number | undefined, message: string): Promise<void> {
    if (sock !== this.sock) return;
    this.detachSocket();
    if (!this.running) return;
    const attempt = this.attempt;
    switch (code) {
      case DisconnectReason.restartRequired:
        // Linking finished: WhatsApp wants a fresh connection with the new credentials.
        this.deps.log.info("WhatsApp asked for a restart after linking; reconnecting");
        this.connect();
        return;
      case DisconnectReason.loggedOut:
        await this.store?.wipe();
        this.lastError = RELINK;
        this.deps.log.warn("WhatsApp logged this device out; credentials removed");
        attempt?.end({ connected: false, message: `WhatsApp refused the link: ${message}` });
        return;
      case DisconnectReason.connectionReplaced:
        this.lastError = REPLACED;
        this.deps.log.warn("another WhatsApp Web session replaced this one; not reconnecting");
        return;
    }
    if (attempt?.active && !this.store?.linked) {
      const expired = code === DisconnectReason.timedOut;
      attempt.end({ connected: false, message: expired ? "the QR code expired before it was scanned; run the login again" : `linking failed (${code ?? "?"}): ${message}` });
      this.lastError = NOT_LINKED;
      return;
    }
    const wait = this.backoff.next();
    this.lastError = `connection closed (${code ?? "no status"}): ${message}; reconnecting in ${Math.round(wait / 100) / 10} s`;
    this.deps.log.warn({ code, err: message, retryInMs: wait }, "WhatsApp connection closed");
    clearTimeout(this.retry);
    this.retry = setTimeout(() => this.connect(), wait);
    this.retry.unref();
  }

  /** An open socket with no frame and no event for watchdogMs is replaced by a new one. */
  private checkWatchdog(): void {
    if (!this.running || !this.sock || !this.connected || this.lastActivityAt === null) return;
    const silent = this.deps.now() - this.lastActivityAt;
    if (silent < this.deps.config.watchdogMs) return;
    this.lastError = `no traffic for ${Math.round(silent / 1000)} s; reconnected`;
    this.deps.log.warn({ silentForMs: silent }, "WhatsApp socket silent; reconnecting");
    void this.closeSocket().then(() => this.connect());
  }

  private async startLogin(opts: { force: boolean; phone?: string; timeoutMs: number }, onCode: (c: LoginCode) => void): Promise<{ code?: LoginCode; message: string }> {
    const store = await this.openStore();
    if (store.linked && !opts.force) return { message: `already linked as ${this.status().accountId ?? "this number"}; pass force (--force) to link again` };
    this.attempt?.end({ connected: false, message: "replaced by a new login" });
    clearTimeout(this.retry);
    await this.closeSocket();
    if (store.linked) await store.wipe();
    const attempt = new LoginAttempt(opts.phone, onCode);
    this.attempt = attempt;
    this.running = true;
    this.connect();
    const first = await within(
      attempt.firstCode.then((code) => ({ code })).catch((err: Error) => ({ failed: err.message })),
      opts.timeoutMs,
      { failed: `WhatsApp sent no code within ${Math.round(opts.timeoutMs / 1000)} s` },
    );
    if ("failed" in first) return { message: first.failed };
    return { code: first.code, message: first.code.kind === "qr" ? "scan the QR code" : `enter the code ${first.code.code}` };
  }

  private async onMessage(sock: WhatsAppSocket, m: WAMessage): Promise<void> {
    const ctx: InboundContext = {
      sock,
      accountId: this.deps.config.accountId,
      selfChatMode: this.deps.config.selfChatMode,
      mentionPatterns: this.mentionPatterns,
      sentByUs: (id) => this.sentIds.has(id),
      groupSubject: (jid) => this.groupSubject(sock, jid),
    };
    const n = await normalizeWhatsApp(m, ctx).catch((err: unknown) => {
      this.deps.log.warn({ err }, "WhatsApp message could not be read");
      return null;
    });
    if (!n) return;
    if ("drop" in n) {
      this.deps.events.dropped(n.drop);
      return;
    }
    if (m.key?.id) this.remember(this.recent, m.key.id, m);
    n.msg.media = await Promise.all(n.media.map((src, i) => this.fetchMedia(sock, m, src, i)));
    this.lastInboundAt = this.deps.now();
    this.onInbound?.(n.msg);
  }

  /** Downloads media up to mediaMaxMb into the state dir; larger files are announced, not fetched. */
  private async fetchMedia(sock: WhatsAppSocket, m: WAMessage, src: MediaSource, index: number): Promise<MediaRef> {
    const max = this.deps.config.mediaMaxBytes;
    const mb = (n: number) => `${Math.round((n / 1024 / 1024) * 10) / 10} MB`;
    if (src.size !== undefined && src.size > max) return { ...src.ref, size: src.size, skipped: `${mb(src.size)} is over the ${mb(max)} limit (mediaMaxMb)` };
    try {
      const bytes = await this.download(m, sock);
      if (bytes.length > max) return { ...src.ref, size: bytes.length, skipped: `${mb(bytes.length)} is over the ${mb(max)} limit (mediaMaxMb)` };
      const dir = join(this.deps.stateDir, "media", "whatsapp", this.deps.config.accountId);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const path = join(dir, `${(m.key?.id ?? "media").replace(/[^A-Za-z0-9_-]/g, "_")}-${index}${extensionOf(src.ref)}`);
      await writeFile(path, bytes, { mode: 0o600 });
      await chmod(path, 0o600);
      return { ...src.ref, size: bytes.length, path };
    } catch (err) {
      return { ...src.ref, skipped: `download failed: ${(err as Error).message}` };
    }
  }

  private async groupSubject(sock: WhatsAppSocket, jid: string): Promise<string | undefined> {
    const cached = this.groups.get(jid);
    if (cached && this.deps.now() - cached.at < GROUP_TTL_MS) return cached.subject;
    // The lookup itself is cached, so a burst of group messages asks once.
    const subject = sock.groupMetadata(jid).then((m) => m.subject, () => undefined);
    this.groups.set(jid, { subject, at: this.deps.now() });
    return subject;
  }

  private remember<T>(store: Set<string> | Map<string, T>, id: string, value?: T): void {
    if (store instanceof Set) store.add(id);
    else store.set(id, value as T);
    if (store.size > REMEMBERED) store.delete(store.keys().next().value as string);
  }
}

/** Outbound media as Baileys content: images/video/documents with captions, audio as a voice note. */
function mediaContent(media: MediaRef, caption: string | undefined): AnyMessageContent {
  const source = media.path ?? media.url;
  if (!source) throw new ChannelSendError("media has no path or URL", false);
  const file = { url: source };
  const cap = caption ? { caption } : {};
  switch (media.kind) {
    case "photo":
      return { image: file, ...cap };
    case "video":
      return { video: file, ...cap };
    case "animation":
      // A GIF or silent clip that loops in the chat (send {gifPlayback: true}).
      return { video: file, gifPlayback: true, ...cap };
    case "audio":
    case "voice":
      return { audio: file, ptt: true, mimetype: media.mimeType ?? "audio/ogg; codecs=opus" };
    case "sticker":
      return { sticker: file };
    case "document":
      return { document: file, mimetype: media.mimeType ?? "application/octet-stream", fileName: media.fileName ?? source.split("/").pop() ?? "file", ...cap };
  }
}

function extensionOf(ref: MediaRef): string {
  const byMime: Record<string, string> = { "image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "video/mp4": ".mp4", "application/pdf": ".pdf" };
  const mime = ref.mimeType?.split(";")[0]?.trim() ?? "";
  if (byMime[mime]) return byMime[mime];
  if (mime.startsWith("audio/ogg")) return ".ogg";
  const named = ref.fileName?.match(/\.[A-Za-z0-9]{1,8}$/)?.[0];
  return named ?? ".bin";
}

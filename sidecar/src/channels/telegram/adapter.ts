import { join } from "node:path";
import { rm } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { Api, GrammyError, HttpError, InputFile } from "grammy";
import type { UserFromGetMe } from "grammy/types";
import { Type } from "@sinclair/typebox";
import type { Logger } from "pino";
import type { TelegramConfig } from "./config.js";
import { readJsonFile, writeJsonFile } from "../../store/json-file.js";
import { Backoff } from "@clawdbot/protocol/client";
import { ChannelSendError, type ChannelAdapter, type ChannelRuntimeStatus, type InboundMessage, type MediaRef, type OutboundPart, type ProbeResult } from "../types.js";
import { normalizeTelegram } from "./normalize.js";
import { DEFAULT_ACCOUNT_ID } from "../module.js";

/** grammY types its signals with a polyfill; the native AbortSignal is what it uses at run time. */
type GrammySignal = Parameters<Api["getMe"]>[0];
const sig = (s: AbortSignal): GrammySignal => s as unknown as GrammySignal;

const StateSchema = Type.Object({ offset: Type.Integer({ minimum: 0 }) }, { additionalProperties: false });

export interface TelegramDeps {
  config: TelegramConfig;
  stateDir: string;
  log: Logger;
  now: () => number;
}

/**
 * Telegram through grammY's Api client pointed at `apiRoot`. Polls getUpdates itself so that
 * liveness (last successful poll), 409 conflicts, 429 retry_after and restarts stay under our control.
 */
export class TelegramAdapter implements ChannelAdapter {
  readonly name = "telegram";
  readonly textLimit = 4096;
  private readonly api: Api;
  private readonly statePath: string;
  /** The default account keeps the folder older versions used; others get their own. */
  private readonly stateDir: string;
  private me: UserFromGetMe | undefined;
  private controller: AbortController | undefined;
  private loop: Promise<void> | undefined;
  private connected = false;
  private lastError: string | null = null;
  private lastInboundAt: number | null = null;
  private lastPollAt: number | null = null;

  constructor(private readonly deps: TelegramDeps) {
    // grammY's default request timeout is 500 s; a send that never gets an answer must fail and retry.
    this.api = new Api(deps.config.botToken, { apiRoot: deps.config.apiRoot, timeoutSeconds: deps.config.pollTimeoutSec + 15 });
    this.stateDir = deps.config.accountId === DEFAULT_ACCOUNT_ID ? join(deps.stateDir, "channels", "telegram") : join(deps.stateDir, "channels", "telegram", "accounts", deps.config.accountId);
    this.statePath = join(this.stateDir, "state.json");
  }

  async start(signal: AbortSignal, onInbound: (msg: InboundMessage) => void): Promise<void> {
    await this.stop();
    const controller = new AbortController();
    this.controller = controller;
    signal.addEventListener("abort", () => controller.abort(), { once: true });
    try {
      this.me = await this.api.getMe(sig(controller.signal));
      await this.api.deleteWebhook({ drop_pending_updates: false }, sig(controller.signal));
    } catch (err) {
      this.lastError = describe(err);
      throw err;
    }
    const { offset } = await readJsonFile(this.statePath, StateSchema, { offset: 0 });
    this.connected = true;
    this.lastError = null;
    this.deps.log.info({ bot: this.me.username }, "telegram polling started");
    this.loop = this.poll(controller.signal, offset, onInbound).finally(() => {
      this.connected = false;
    });
  }

  async stop(): Promise<void> {
    this.controller?.abort();
    await this.loop?.catch(() => undefined);
    this.loop = undefined;
    this.connected = false;
  }

  status(): ChannelRuntimeStatus {
    return {
      connected: this.connected,
      ...(this.me ? { accountId: this.me.username } : {}),
      lastError: this.lastError,
      lastInboundAt: this.lastInboundAt,
      lastPollAt: this.lastPollAt,
    };
  }

  async send(part: OutboundPart): Promise<{ providerMessageId: string }> {
    const reply = {
      ...(part.replyToId ? { reply_parameters: { message_id: Number(part.replyToId), allow_sending_without_reply: true } } : {}),
      ...(part.threadId ? { message_thread_id: Number(part.threadId) } : {}),
    };
    try {
      const msg = part.media
        ? await this.sendMedia(part.chatId, part.media, part.text, reply)
        : await this.api.sendMessage(part.chatId, part.text ?? "", { ...reply, link_preview_options: { is_disabled: true } });
      return { providerMessageId: String(msg.message_id) };
    } catch (err) {
      throw toSendError(err);
    }
  }

  async typing(chatId: string): Promise<void> {
    await this.api.sendChatAction(chatId, "typing").catch((err: unknown) => {
      this.deps.log.debug({ err: describe(err) }, "telegram typing failed");
    });
  }

  /** Asks getMe with its own deadline: does the Bot API answer, and to which bot. */
  async probe(timeoutMs: number): Promise<ProbeResult> {
    const started = this.deps.now();
    try {
      const me = await this.api.getMe(sig(AbortSignal.timeout(Math.max(1, timeoutMs))));
      return { ok: true, elapsedMs: this.deps.now() - started, bot: { id: me.id, username: me.username } };
    } catch (err) {
      return { ok: false, error: describe(err), elapsedMs: this.deps.now() - started };
    }
  }

  async logout(): Promise<void> {
    await this.stop();
    await rm(this.stateDir, { recursive: true, force: true });
  }

  private sendMedia(chatId: string, media: MediaRef, caption: string | undefined, reply: object) {
    const file = media.fileId ?? media.url ?? (media.path ? new InputFile(media.path) : undefined);
    if (file === undefined) throw new ChannelSendError("media has no file id, URL or path", false);
    const extra = { ...reply, ...(caption ? { caption } : {}) };
    if (media.kind === "photo") return this.api.sendPhoto(chatId, file, extra);
    if (media.kind === "animation") return this.api.sendAnimation(chatId, file, extra);
    return this.api.sendDocument(chatId, file, extra);
  }

  private async poll(signal: AbortSignal, startOffset: number, onInbound: (msg: InboundMessage) => void): Promise<void> {
    let offset = startOffset;
    const backoff = new Backoff(1000, 30_000);
    while (!signal.aborted) {
      try {
        const updates = await this.api.getUpdates(
          { offset, timeout: this.deps.config.pollTimeoutSec, allowed_updates: ["message"] },
          sig(signal),
        );
        this.lastPollAt = this.deps.now();
        this.connected = true;
        this.lastError = null;
        backoff.reset();
        for (const u of updates) {
          offset = u.update_id + 1;
          const msg = u.message && this.me ? normalizeTelegram(u.message, this.me, this.deps.config.accountId) : null;
          if (!msg) continue;
          this.lastInboundAt = this.deps.now();
          onInbound(msg);
        }
        if (updates.length > 0) await writeJsonFile(this.statePath, { offset });
      } catch (err) {
        if (signal.aborted) return;
        this.lastError = describe(err);
        const wait = this.pollFailureDelay(err, backoff);
        if (wait === null) {
          this.connected = false;
          this.deps.log.error({ err: this.lastError }, "telegram rejected the bot token; polling stopped");
          return;
        }
        this.deps.log.warn({ err: this.lastError, retryInMs: wait }, "telegram poll failed");
        await sleep(wait, undefined, { signal }).catch(() => undefined);
      }
    }
  }

  /** Milliseconds to wait before the next poll, or null to stop (bad token). */
  private pollFailureDelay(err: unknown, backoff: Backoff): number | null {
    if (err instanceof GrammyError) {
      if (err.error_code === 401 || err.error_code === 404) return null;
      if (err.error_code === 429) return (err.parameters.retry_after ?? 1) * 1000;
      // 409: another poller or a webhook holds this bot; back off and keep trying.
      if (err.error_code === 409) return Math.max(backoff.next(), 5000);
    }
    return backoff.next();
  }
}

function describe(err: unknown): string {
  if (err instanceof GrammyError) return `${err.error_code} ${err.description}`;
  if (err instanceof HttpError) return `network: ${(err.error as Error)?.message ?? err.message}`;
  return (err as Error)?.message ?? String(err);
}

/** Maps Telegram failures to retry decisions: 429 honours retry_after, 5xx and network retry, 4xx do not. */
export function toSendError(err: unknown): ChannelSendError {
  if (err instanceof ChannelSendError) return err;
  if (err instanceof GrammyError) {
    if (err.error_code === 429) return new ChannelSendError(describe(err), true, (err.parameters.retry_after ?? 1) * 1000);
    return new ChannelSendError(describe(err), err.error_code >= 500);
  }
  return new ChannelSendError(describe(err), true);
}

import { mkdir, readdir, readFile, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { Type, type Static } from "@sinclair/typebox";
import { check, formatIssues } from "@clawdbot/protocol";
import type { Logger } from "pino";
import { writeJsonFile } from "../store/json-file.js";
import { LockedJsonFile } from "../store/locked-json.js";
import { ChannelSendError, type ChannelAdapter, type MediaRef, type OutboundPart } from "./types.js";

const MediaSchema = Type.Object(
  {
    kind: Type.Union(["photo", "document", "audio", "video", "voice", "sticker", "animation"].map((k) => Type.Literal(k))),
    fileId: Type.Optional(Type.String()),
    url: Type.Optional(Type.String()),
    path: Type.Optional(Type.String()),
    fileName: Type.Optional(Type.String()),
    mimeType: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

const ItemSchema = Type.Object(
  {
    id: Type.String({ minLength: 1 }),
    idempotencyKey: Type.String({ minLength: 1 }),
    channel: Type.String({ minLength: 1 }),
    /** Absent in items written before accounts existed: the channel's default account. */
    accountId: Type.Optional(Type.String({ minLength: 1 })),
    chatId: Type.String({ minLength: 1 }),
    parts: Type.Array(
      Type.Object(
        {
          text: Type.Optional(Type.String()),
          media: Type.Optional(MediaSchema),
          replyToId: Type.Optional(Type.String()),
          threadId: Type.Optional(Type.String()),
        },
        { additionalProperties: false },
      ),
    ),
    delivered: Type.Integer({ minimum: 0 }),
    providerMessageIds: Type.Array(Type.String()),
    attempts: Type.Integer({ minimum: 0 }),
    nextAttemptAt: Type.Integer({ minimum: 0 }),
    createdAt: Type.Integer({ minimum: 0 }),
    lastError: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type OutboxItem = Static<typeof ItemSchema>;

const LedgerSchema = Type.Object(
  {
    version: Type.Literal(1),
    sent: Type.Record(
      Type.String(),
      Type.Object({ id: Type.String(), channel: Type.String(), chatId: Type.String(), at: Type.Integer(), providerMessageIds: Type.Array(Type.String()) }, { additionalProperties: false }),
    ),
  },
  { additionalProperties: false },
);

export interface EnqueueRequest {
  channel: string;
  accountId?: string;
  chatId: string;
  text?: string;
  media?: MediaRef[];
  replyToId?: string;
  /** Every part goes into this thread of the chat. */
  threadId?: string;
  /** Every part refers to replyToId, not only the first (replyToMode "all"). */
  replyToEvery?: boolean;
  idempotencyKey: string;
}

/** What happened to a queued item: one attempt failed (it may be retried), or it settled. */
export type OutboxEvent =
  | { type: "queued"; item: OutboxItem }
  | { type: "attempt-failed"; item: OutboxItem; error: string; willRetry: boolean }
  | { type: "delivered"; item: OutboxItem }
  | { type: "failed"; item: OutboxItem; error: string };

export interface OutboxDeps {
  stateDir: string;
  now: () => number;
  log: Logger;
  /** Called after an item is delivered or given up. */
  onSettled?: (item: OutboxItem, outcome: "delivered" | "failed") => void;
}

const MAX_ATTEMPTS = 25;
const CHAT_CONCURRENCY = 8;
/** Keys the gateway made up itself (replies, pairing notices) are never retried by a client. */
const INTERNAL_KEY = /^(reply|pair|paired):/;
const LEDGER_TTL_MS = 24 * 60 * 60_000;

/**
 * Durable outbound queue: an item is on disk (fsync + rename) before it is acknowledged, is
 * delivered part by part with progress recorded, retried with backoff (honouring retry-after),
 * and survives restarts. Idempotency keys are remembered for a day after delivery.
 */
export class Outbox {
  private readonly items = new Map<string, OutboxItem>();
  private readonly waiters = new Map<string, ((item: OutboxItem | undefined) => void)[]>();
  /** Why recently given-up items failed (so a waiting `send` can say so). */
  private readonly failures = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  /** Chats with a delivery under way (one at a time per chat keeps their order). */
  private readonly busy = new Set<string>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private adapter: (channel: string, accountId: string | undefined) => ChannelAdapter | undefined = () => undefined;
  private readonly listeners = new Set<(ev: OutboxEvent) => void>();
  private stopped = true;
  private delivered: ((item: OutboxItem) => void) | undefined;

  private constructor(
    private readonly deps: OutboxDeps,
    private readonly ledger: LockedJsonFile<typeof LedgerSchema>,
  ) {}

  private get pendingDir(): string {
    return join(this.deps.stateDir, "outbox", "pending");
  }

  /** Loads pending items and the delivery ledger. */
  static async open(deps: OutboxDeps): Promise<Outbox> {
    const ledger = await LockedJsonFile.open(join(deps.stateDir, "outbox", "sent.json"), LedgerSchema, () => ({ version: 1 as const, sent: {} }));
    const box = new Outbox(deps, ledger);
    await box.load();
    return box;
  }

  private async load(): Promise<void> {
    await mkdir(this.pendingDir, { recursive: true, mode: 0o700 });
    for (const name of await readdir(this.pendingDir)) {
      if (!name.endsWith(".json") || name.startsWith(".")) continue;
      const path = join(this.pendingDir, name);
      const parsed = check(ItemSchema, safeJson(await readFile(path, "utf8")));
      if (!parsed.ok) {
        this.deps.log.error({ path, issues: formatIssues(parsed.issues) }, "outbox item unreadable; moved aside");
        await rename(path, `${path}.damaged`).catch(() => undefined);
        continue;
      }
      this.items.set(parsed.value.id, parsed.value);
    }
  }

  /** Tells the outbox where the running channel adapters are. */
  bindAdapters(lookup: (channel: string, accountId: string | undefined) => ChannelAdapter | undefined, delivered?: (item: OutboxItem) => void): void {
    this.adapter = lookup;
    this.delivered = delivered;
  }

  /** Calls `fn` on every stored item, every failed attempt and every settled item; returns the unsubscribe. */
  subscribe(fn: (ev: OutboxEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private notify(ev: OutboxEvent): void {
    for (const fn of this.listeners) {
      try {
        fn(ev);
      } catch (err) {
        this.deps.log.error({ err, id: ev.item.id }, "outbox listener failed");
      }
    }
  }

  /** Items waiting, by channel. */
  pendingByChannel(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const i of this.items.values()) out[i.channel] = (out[i.channel] ?? 0) + 1;
    return out;
  }

  /** Starts delivering. */
  start(): void {
    this.stopped = false;
    this.kick();
  }

  /** Stops the worker after the current send. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    // Items are on disk; a send still hanging is retried after the restart rather than delaying shutdown.
    await Promise.race([Promise.all([...this.inFlight]), new Promise((r) => setTimeout(r, 2000).unref())]);
  }

  /** Items waiting for a channel, or for one of its accounts (for channels.status). */
  pendingCount(channel?: string, accountId?: string, isDefault = false): number {
    return [...this.items.values()].filter(
      (i) => (!channel || i.channel === channel) && (accountId === undefined || (i.accountId ?? (isDefault ? accountId : undefined)) === accountId),
    ).length;
  }

  /** Persists a message before resolving; a known idempotency key returns the earlier item instead. */
  async enqueue(req: EnqueueRequest, split: (text: string) => string[], captionLimit = 0): Promise<{ item: OutboxItem; created: boolean; alreadySent: boolean }> {
    const pending = [...this.items.values()].find((i) => i.idempotencyKey === req.idempotencyKey);
    if (pending) return { item: pending, created: false, alreadySent: false };
    const sent = this.ledger.data.sent[req.idempotencyKey];
    if (sent) {
      const item: OutboxItem = { id: sent.id, idempotencyKey: req.idempotencyKey, channel: sent.channel, chatId: sent.chatId, parts: [], delivered: 0, providerMessageIds: sent.providerMessageIds, attempts: 0, nextAttemptAt: 0, createdAt: sent.at };
      return { item, created: false, alreadySent: true };
    }
    const now = this.deps.now();
    const item: OutboxItem = {
      id: randomUUID(),
      idempotencyKey: req.idempotencyKey,
      channel: req.channel,
      ...(req.accountId !== undefined ? { accountId: req.accountId } : {}),
      chatId: req.chatId,
      parts: buildParts(req, split, captionLimit),
      delivered: 0,
      providerMessageIds: [],
      attempts: 0,
      nextAttemptAt: now,
      createdAt: now,
    };
    await this.persist(item);
    this.items.set(item.id, item);
    this.notify({ type: "queued", item });
    this.kick();
    return { item, created: true, alreadySent: false };
  }

  /** Resolves with the item once delivered, or undefined on failure or after `timeoutMs`. */
  waitDelivered(id: string, timeoutMs: number): Promise<OutboxItem | undefined> {
    if (!this.items.has(id)) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const t = setTimeout(() => done(undefined), timeoutMs);
      const done = (item: OutboxItem | undefined) => {
        clearTimeout(t);
        resolve(item);
      };
      const list = this.waiters.get(id) ?? [];
      list.push(done);
      this.waiters.set(id, list);
    });
  }

  /** The provider's reason when an item was given up, if it was. */
  failureOf(id: string): string | undefined {
    return this.failures.get(id);
  }

  /** Drops every queued item of a channel, or of one of its accounts (logout). */
  async forget(channel: string, accountId?: string): Promise<number> {
    let n = 0;
    for (const item of [...this.items.values()]) {
      if (item.channel !== channel || (accountId !== undefined && item.accountId !== accountId)) continue;
      this.items.delete(item.id);
      await unlink(this.itemPath(item.id)).catch(() => undefined);
      this.settle(item, undefined);
      this.notify({ type: "failed", item, error: `dropped: ${channel} was logged out` });
      n++;
    }
    return n;
  }

  /** Starts delivery for every chat that has due messages and is not already being served. */
  kick(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    const chats = new Map<string, OutboxItem[]>();
    for (const item of [...this.items.values()].sort((a, b) => a.createdAt - b.createdAt)) {
      const key = `${item.channel}:${item.accountId ?? ""}:${item.chatId}`;
      if (this.busy.has(key)) continue;
      const list = chats.get(key);
      if (list) list.push(item);
      else chats.set(key, [item]);
    }
    for (const [key, items] of chats) {
      if (this.busy.size >= CHAT_CONCURRENCY) break;
      if ((items[0]?.nextAttemptAt ?? 0) > this.deps.now()) continue;
      this.busy.add(key);
      const run = this.serveChat(items)
        .catch((err: unknown) => this.deps.log.error({ err, chat: key }, "outbox delivery failed"))
        .finally(() => {
          this.busy.delete(key);
          this.inFlight.delete(run);
          this.kick();
        });
      this.inFlight.add(run);
    }
    this.schedule();
  }

  /** One chat's messages in order; a message waiting to retry holds back the ones after it. */
  private async serveChat(items: OutboxItem[]): Promise<void> {
    for (const item of items) {
      if (this.stopped || item.nextAttemptAt > this.deps.now()) return;
      if (!(await this.deliver(item))) return;
    }
  }

  private schedule(): void {
    clearTimeout(this.timer);
    if (this.stopped || this.items.size === 0) return;
    const next = Math.min(...[...this.items.values()].map((i) => i.nextAttemptAt));
    this.timer = setTimeout(() => this.kick(), Math.max(10, next - this.deps.now()));
    this.timer.unref();
  }

  /** Sends the remaining parts of one item; returns true when it is fully delivered or given up. */
  private async deliver(item: OutboxItem): Promise<boolean> {
    const adapter = this.adapter(item.channel, item.accountId);
    try {
      if (!adapter) throw new ChannelSendError(`channel ${item.channel}${item.accountId ? ` (account ${item.accountId})` : ""} is not running`, true);
      while (item.delivered < item.parts.length) {
        const part = item.parts[item.delivered]!;
        const res = await adapter.send({ chatId: item.chatId, ...part } as OutboundPart);
        item.providerMessageIds.push(res.providerMessageId);
        item.delivered++;
        if (item.delivered < item.parts.length) await this.persist(item);
      }
    } catch (err) {
      return this.failed(item, err);
    }
    if (!INTERNAL_KEY.test(item.idempotencyKey)) await this.remember(item);
    await unlink(this.itemPath(item.id)).catch(() => undefined);
    this.items.delete(item.id);
    this.settle(item, item);
    this.delivered?.(item);
    this.deps.onSettled?.(item, "delivered");
    this.notify({ type: "delivered", item });
    return true;
  }

  /** Records a delivered client key so a retry after a restart is answered without sending again. */
  private async remember(item: OutboxItem): Promise<void> {
    await this.ledger.mutate((doc) => {
      const cutoff = this.deps.now() - LEDGER_TTL_MS;
      for (const [k, v] of Object.entries(doc.sent)) if (v.at < cutoff) delete doc.sent[k];
      doc.sent[item.idempotencyKey] = { id: item.id, channel: item.channel, chatId: item.chatId, at: this.deps.now(), providerMessageIds: item.providerMessageIds };
    });
  }

  private async failed(item: OutboxItem, err: unknown): Promise<boolean> {
    const e = err instanceof ChannelSendError ? err : new ChannelSendError((err as Error)?.message ?? String(err), true);
    item.attempts++;
    item.lastError = e.message;
    const willRetry = e.retryable && item.attempts < MAX_ATTEMPTS;
    this.notify({ type: "attempt-failed", item, error: e.message, willRetry });
    if (!willRetry) {
      this.deps.log.error({ id: item.id, channel: item.channel, chatId: item.chatId, err: e.message, attempts: item.attempts }, "outbound message given up");
      const failedDir = join(this.deps.stateDir, "outbox", "failed");
      await mkdir(failedDir, { recursive: true, mode: 0o700 });
      await writeJsonFile(join(failedDir, `${item.id}.json`), item);
      await unlink(this.itemPath(item.id)).catch(() => undefined);
      this.items.delete(item.id);
      this.failures.set(item.id, e.message);
      if (this.failures.size > 1000) this.failures.delete(this.failures.keys().next().value as string);
      this.settle(item, undefined);
      this.deps.onSettled?.(item, "failed");
      this.notify({ type: "failed", item, error: e.message });
      return true;
    }
    const backoff = Math.min(60_000, 500 * 2 ** Math.min(item.attempts - 1, 7));
    item.nextAttemptAt = this.deps.now() + Math.max(e.retryAfterMs ?? 0, backoff);
    this.deps.log.warn({ id: item.id, channel: item.channel, err: e.message, retryInMs: item.nextAttemptAt - this.deps.now() }, "outbound send failed; will retry");
    await this.persist(item);
    return false;
  }

  private settle(item: OutboxItem, result: OutboxItem | undefined): void {
    for (const w of this.waiters.get(item.id) ?? []) w(result);
    this.waiters.delete(item.id);
  }

  private itemPath(id: string): string {
    return join(this.pendingDir, `${id}.json`);
  }

  private persist(item: OutboxItem): Promise<void> {
    return writeJsonFile(this.itemPath(item.id), item);
  }
}

/** Media first, then text chunks; text short enough rides on the last media as its caption (channels that have captions). */
function buildParts(req: EnqueueRequest, split: (text: string) => string[], captionLimit: number): OutboxItem["parts"] {
  const reply = req.replyToId !== undefined ? { replyToId: req.replyToId } : {};
  const parts: OutboxItem["parts"] = (req.media ?? []).map((m) => ({ media: m }));
  const last = parts.at(-1);
  if (req.text && last && req.text.length <= captionLimit) last.text = req.text;
  else if (req.text) parts.push(...split(req.text).map((text) => ({ text })));
  for (const part of req.replyToEvery ? parts : parts.slice(0, 1)) Object.assign(part, reply);
  if (req.threadId !== undefined) for (const p of parts) p.threadId = req.threadId;
  return parts;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import { Backoff } from "@clawdbot/protocol/client";
import type { ChannelAccount } from "./access-schema.js";
import { chunkText } from "./chunk.js";
import { emptyDrops, type DropCounts, type DropReason } from "./drops.js";
import type { ResolvedChannel } from "./module.js";
import { CHANNEL_MODULES, channelModule, type ChannelModules, type ChannelTransports } from "./modules.js";
import type { SecretRedactor } from "./redactor.js";
import { ChannelStartError, type ChannelAdapter, type ChannelLogin, type ChannelRuntimeStatus, type InboundMessage } from "./types.js";

type Module = ChannelModules[number];
type ChannelsConfig = Readonly<Partial<Record<string, ResolvedChannel>>>;

interface Slot {
  readonly module: Module;
  readonly channel: string;
  readonly accountId: string;
  account: ChannelAccount;
  adapter: ChannelAdapter | undefined;
  controller: AbortController | undefined;
  running: boolean;
  restarts: number;
  startError: string | null;
  startedAt: number | null;
  retry: NodeJS.Timeout | undefined;
  backoff: Backoff;
  loggedOut: boolean;
  drops: DropCounts;
  lastOutboundAt: number | null;
}

export interface RegistryDeps {
  log: Logger;
  now: () => number;
  stateDir: string;
  redactor: SecretRedactor;
  /** Test seams per channel; the real libraries when absent. */
  transports?: ChannelTransports;
  onInbound: (msg: InboundMessage, account: ChannelAccount) => void;
  /** How often liveness is checked. */
  watchdogMs?: number;
}

/** One account as `channels.status` reports it. */
export interface AccountState extends Omit<ChannelRuntimeStatus, "accountId"> {
  channel: string;
  /** The provider-side identity (bot username, phone number) once known. */
  self?: string;
  accountId: string;
  isDefault: boolean;
  enabled: boolean;
  configured: boolean;
  running: boolean;
  restarts: number;
  drops: DropCounts;
}

const key = (channel: string, accountId: string) => `${channel}:${accountId}`;

/** Starts the configured channel accounts, keeps them alive (liveness judged by inbound polling) and reports them. */
export class ChannelRegistry {
  private readonly slots = new Map<string, Slot>();
  private readonly defaults = new Map<string, string>();
  private watchdog: NodeJS.Timeout | undefined;
  private started = false;

  constructor(config: ChannelsConfig, private readonly deps: RegistryDeps) {
    for (const m of CHANNEL_MODULES) {
      const ch = config[m.id];
      if (!ch) continue;
      this.defaults.set(m.id, ch.defaultAccountId);
      for (const account of Object.values(ch.accounts)) this.addSlot(m, account);
    }
    this.refreshSecrets();
  }

  /** Configured channel ids, in module order. */
  names(): string[] {
    return CHANNEL_MODULES.map((m) => m.id).filter((id) => this.defaults.has(id));
  }

  /** Account ids of a configured channel. */
  accounts(channel: string): string[] {
    return [...this.slots.values()].filter((s) => s.channel === channel).map((s) => s.accountId);
  }

  defaultAccountId(channel: string): string | undefined {
    return this.defaults.get(channel);
  }

  /** The adapter of a running account (the channel's default account when none is named). */
  adapter(channel: string, accountId?: string): ChannelAdapter | undefined {
    const s = this.slot(channel, accountId);
    return s && s.running ? s.adapter : undefined;
  }

  /** Why a message for this account cannot go out now (not running, or disconnected with an error); undefined when it can. */
  offline(channel: string, accountId?: string): string | undefined {
    const s = this.slot(channel, accountId);
    if (!s || !s.running || !s.adapter) return "not running";
    const st = s.adapter.status();
    return !st.connected && st.lastError ? this.deps.redactor.text(st.lastError) : undefined;
  }

  /** A configured account's settings. */
  account(channel: string, accountId?: string): ChannelAccount | undefined {
    return this.slot(channel, accountId)?.account;
  }

  /** How a configured channel splits outbound text into messages (running or not); 4,096 characters for others. */
  chunker(channel: string): (text: string) => string[] {
    const m = this.defaults.has(channel) ? channelModule(channel) : undefined;
    if (m && "chunk" in m && m.chunk) return (text) => m.chunk!(text);
    const limit = m?.textLimit ?? 4096;
    return (text) => chunkText(text, limit);
  }

  /** The endpoint a running account serves on the gateway's HTTP port at `path`. */
  httpRoute(path: string): ((req: IncomingMessage, res: ServerResponse) => void) | undefined {
    for (const s of this.slots.values()) {
      const adapter = s.adapter;
      if (s.running && adapter?.serveHttp && adapter.httpPath === path) return (req, res) => adapter.serveHttp!(req, res);
    }
    return undefined;
  }

  /** How long a caption a configured channel's media may carry (0 when it has none). */
  captionLimit(channel: string): number {
    const m = this.defaults.has(channel) ? channelModule(channel) : undefined;
    return m && "captionLimit" in m ? (m.captionLimit ?? 0) : 0;
  }

  /** Counts a message that did not reach the agent. */
  countDrop(channel: string, accountId: string, reason: DropReason): void {
    const s = this.slots.get(key(channel, accountId));
    if (s) s.drops[reason]++;
  }

  /** Notes a delivered outbound message. */
  recordOutbound(channel: string, accountId: string | undefined): void {
    const s = this.slot(channel, accountId);
    if (s) s.lastOutboundAt = this.deps.now();
  }

  /** Starts every account in the background; failures retry with backoff. */
  startAll(): void {
    this.started = true;
    for (const slot of this.slots.values()) void this.startSlot(slot);
    const stale = [...this.slots.values()].map((s) => s.module.staleAfterMs(s.account as never)).filter(Number.isFinite);
    const every = this.deps.watchdogMs ?? Math.max(1000, Math.min(60_000, ...stale.map((ms) => ms / 4)));
    this.watchdog = setInterval(() => this.checkLiveness(), every);
    this.watchdog.unref();
  }

  async stopAll(): Promise<void> {
    this.started = false;
    clearInterval(this.watchdog);
    await Promise.all([...this.slots.values()].map((s) => this.stopSlot(s)));
  }

  /** Stops an account and forgets its credentials/state (every account of the channel when none is named). */
  async logout(channel: string, accountId?: string): Promise<{ stopped: boolean; cleared: boolean; accountIds: string[] }> {
    const slots = [...this.slots.values()].filter((s) => s.channel === channel && (accountId === undefined || s.accountId === accountId));
    let stopped = false;
    for (const slot of slots) {
      stopped ||= slot.running;
      slot.loggedOut = true;
      clearTimeout(slot.retry);
      // The adapter logs out while still connected (WhatsApp unlinks on the phone's side), then stops.
      const adapter = slot.adapter ?? (await this.createAdapter(slot));
      await adapter.logout();
      await this.stopSlot(slot);
    }
    return { stopped, cleared: slots.length > 0, accountIds: slots.map((s) => s.accountId) };
  }

  /**
   * The login of an account whose channel links a device, its adapter built (and started) if it
   * is not yet; undefined for channels without a login, which are left as they are. A logged-out
   * account stays logged out until the login succeeds (events.linked).
   */
  async loginFor(channel: string, accountId?: string): Promise<ChannelLogin | undefined> {
    const s = this.slot(channel, accountId);
    if (!s) return undefined;
    const adapter = s.adapter ?? (await this.createAdapter(s));
    if (!adapter.login) return undefined;
    // A login after a logout needs the account receiving again once it links.
    if (!s.running && this.started) await this.startSlot(s, true);
    return adapter.login;
  }

  /**
   * Applies a reloaded config: new accounts start, removed ones stop, changed ones restart with
   * their new settings (access-only changes apply in place). Returns what changed, for the log.
   */
  reconfigure(next: ChannelsConfig): string[] {
    const changes: string[] = [];
    const wanted = new Set<string>();
    this.defaults.clear();
    for (const m of CHANNEL_MODULES) {
      const ch = next[m.id];
      if (!ch) continue;
      this.defaults.set(m.id, ch.defaultAccountId);
      for (const account of Object.values(ch.accounts)) {
        const k = key(m.id, account.accountId);
        wanted.add(k);
        const slot = this.slots.get(k);
        if (!slot) {
          const added = this.addSlot(m, account);
          changes.push(`started ${k}`);
          if (this.started) void this.startSlot(added);
        } else if (JSON.stringify(slot.account) !== JSON.stringify(account)) {
          const restart = !sameExceptAccess(slot.account, account);
          slot.account = account;
          changes.push(restart ? `restarted ${k}` : `access policy of ${k} applied`);
          if (restart && this.started) void this.stopSlot(slot).then(() => this.replaceAdapter(slot));
        }
      }
    }
    for (const [k, slot] of this.slots) {
      if (wanted.has(k)) continue;
      this.slots.delete(k);
      changes.push(`stopped ${k}`);
      void this.stopSlot(slot);
    }
    this.refreshSecrets();
    return changes;
  }

  /** Every account's state; errors pass through the secret redactor. */
  status(): AccountState[] {
    return [...this.slots.values()].map((s) => {
      const st: ChannelRuntimeStatus = s.adapter?.status() ?? { connected: false, lastError: null, lastInboundAt: null, lastPollAt: null };
      const lastError = st.lastError ?? s.startError;
      const { accountId: self, ...rest } = st;
      return {
        ...rest,
        channel: s.channel,
        accountId: s.accountId,
        ...(self !== undefined ? { self } : {}),
        isDefault: this.defaults.get(s.channel) === s.accountId,
        enabled: s.account.enabled,
        configured: !s.loggedOut,
        running: s.running,
        connected: s.running && st.connected,
        lastError: lastError === null ? null : this.deps.redactor.text(lastError),
        lastOutboundAt: st.lastOutboundAt ?? s.lastOutboundAt,
        restarts: s.restarts,
        drops: { ...s.drops },
      };
    });
  }

  /** A value with every configured secret masked. */
  redact(value: unknown): unknown {
    return this.deps.redactor.value(value);
  }

  private slot(channel: string, accountId?: string): Slot | undefined {
    const id = accountId ?? this.defaults.get(channel);
    return id === undefined ? undefined : this.slots.get(key(channel, id));
  }

  private addSlot(module: Module, account: ChannelAccount): Slot {
    const slot: Slot = {
      module,
      channel: module.id,
      accountId: account.accountId,
      account,
      adapter: undefined,
      controller: undefined,
      running: false,
      restarts: 0,
      startError: null,
      startedAt: null,
      retry: undefined,
      backoff: new Backoff(1000, 60_000),
      loggedOut: false,
      drops: emptyDrops(),
      lastOutboundAt: null,
    };
    this.slots.set(key(module.id, account.accountId), slot);
    return slot;
  }

  private refreshSecrets(): void {
    this.deps.redactor.set([...this.slots.values()].flatMap((s) => s.module.secrets(s.account as never)));
  }

  private async createAdapter(slot: Slot): Promise<ChannelAdapter> {
    const { module, accountId } = slot;
    const transports = this.deps.transports as Record<string, unknown> | undefined;
    slot.adapter = await module.create({
      account: slot.account as never,
      stateDir: this.deps.stateDir,
      log: this.deps.redactor.logger(this.deps.log, { channel: module.id, account: accountId }),
      now: this.deps.now,
      events: {
        dropped: (reason) => slot.drops[reason]++,
        linked: () => {
          slot.loggedOut = false;
        },
      },
      transport: transports?.[module.id] as never,
    });
    return slot.adapter;
  }

  private async replaceAdapter(slot: Slot): Promise<void> {
    slot.adapter = undefined;
    await this.startSlot(slot);
  }

  /** Starts an account; a logged-out one only for a login (`forLogin`). */
  private async startSlot(slot: Slot, forLogin = false): Promise<void> {
    if ((slot.loggedOut && !forLogin) || !this.slots.has(key(slot.channel, slot.accountId))) return;
    clearTimeout(slot.retry);
    const controller = new AbortController();
    slot.controller = controller;
    try {
      const adapter = slot.adapter ?? (await this.createAdapter(slot));
      // Stopped while the channel's library was loading: starting now would leave it running, unowned.
      if (controller.signal.aborted) return;
      await adapter.start(controller.signal, (msg) => this.deps.onInbound(msg, slot.account));
      if (controller.signal.aborted) return;
      slot.running = true;
      slot.startError = null;
      slot.startedAt = this.deps.now();
      slot.backoff.reset();
    } catch (err) {
      slot.running = false;
      slot.startError = (err as Error)?.message ?? String(err);
      if (controller.signal.aborted || (slot.loggedOut && !forLogin)) return;
      // ChannelHaltError is one of these: a refusal whose message says what to change.
      if (err instanceof ChannelStartError && !err.retryable) {
        this.deps.log.warn({ channel: slot.channel, account: slot.accountId, err: this.deps.redactor.text(slot.startError) }, "channel cannot start; not retrying until its config changes");
        return;
      }
      const wait = slot.backoff.next();
      this.deps.log.warn({ channel: slot.channel, account: slot.accountId, err: this.deps.redactor.text(slot.startError), retryInMs: wait }, "channel failed to start");
      slot.retry = setTimeout(() => void this.startSlot(slot), wait);
      slot.retry.unref();
    }
  }

  private async stopSlot(slot: Slot): Promise<void> {
    clearTimeout(slot.retry);
    slot.controller?.abort();
    slot.running = false;
    await slot.adapter?.stop();
  }

  /** An account that has not received (polled) for its stale time is restarted: old connection closed first. */
  private checkLiveness(): void {
    const now = this.deps.now();
    for (const slot of this.slots.values()) {
      if (!slot.running || !slot.adapter) continue;
      const staleAfterMs = slot.module.staleAfterMs(slot.account as never);
      if (!Number.isFinite(staleAfterMs)) continue;
      const st = slot.adapter.status();
      // A restart counts as a fresh start: polls from before it do not make it stale again at once.
      const last = Math.max(st.lastPollAt ?? 0, slot.startedAt ?? now);
      if (now - last < staleAfterMs) continue;
      slot.restarts++;
      this.deps.log.warn({ channel: slot.channel, account: slot.accountId, silentForMs: now - last }, "channel stopped receiving; restarting it");
      void this.stopSlot(slot).then(() => this.startSlot(slot));
    }
  }
}

/** True when two resolved accounts differ only in their access policy. */
function sameExceptAccess(a: ChannelAccount, b: ChannelAccount): boolean {
  const strip = (x: ChannelAccount) => {
    const { dmPolicy: _1, allowFrom: _2, owners: _3, groupsEnabled: _4, requireMention: _5, groupAllow: _6, groupRequireMention: _7, ackReaction: _8, sendReadReceipts: _9, ...rest } = x;
    return JSON.stringify(rest);
  };
  return strip(a) === strip(b);
}


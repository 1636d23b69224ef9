import type { Logger } from "pino";
import type { ChannelAccessConfig } from "../config/index.js";
import { Backoff } from "@clawdbot/protocol/client";
import type { ChannelAdapter, ChannelRuntimeStatus, InboundMessage } from "./types.js";

export interface ChannelEntry {
  adapter: ChannelAdapter;
  access: ChannelAccessConfig;
  /** No successful poll/receipt for this long means the channel went deaf: restart it. */
  staleAfterMs: number;
}

interface Slot extends ChannelEntry {
  controller: AbortController | undefined;
  running: boolean;
  restarts: number;
  startError: string | null;
  startedAt: number | null;
  retry: NodeJS.Timeout | undefined;
  backoff: Backoff;
  loggedOut: boolean;
}

export interface RegistryDeps {
  log: Logger;
  now: () => number;
  onInbound: (msg: InboundMessage, access: ChannelAccessConfig) => void;
  /** How often liveness is checked. */
  watchdogMs?: number;
}

/** Starts the configured channels, keeps them alive (liveness judged by inbound polling) and reports them. */
export class ChannelRegistry {
  private readonly slots = new Map<string, Slot>();
  private watchdog: NodeJS.Timeout | undefined;

  constructor(entries: readonly ChannelEntry[], private readonly deps: RegistryDeps) {
    for (const e of entries) {
      this.slots.set(e.adapter.name, {
        ...e,
        controller: undefined,
        running: false,
        restarts: 0,
        startError: null,
        startedAt: null,
        retry: undefined,
        backoff: new Backoff(1000, 60_000),
        loggedOut: false,
      });
    }
  }

  names(): string[] {
    return [...this.slots.keys()];
  }

  /** The adapter of a running channel. */
  adapter(name: string): ChannelAdapter | undefined {
    const s = this.slots.get(name);
    return s && s.running ? s.adapter : undefined;
  }

  /** Applies a reloaded access policy to a configured channel. */
  updateAccess(name: string, access: ChannelAccessConfig): void {
    const slot = this.slots.get(name);
    if (slot) slot.access = access;
  }

  /** Text limit of a configured channel (running or not). */
  textLimit(name: string): number | undefined {
    return this.slots.get(name)?.adapter.textLimit;
  }

  access(name: string): ChannelAccessConfig | undefined {
    return this.slots.get(name)?.access;
  }

  /** Starts every channel in the background; failures retry with backoff. */
  startAll(): void {
    for (const slot of this.slots.values()) void this.startSlot(slot);
    const every = this.deps.watchdogMs ?? Math.max(1000, Math.min(...[...this.slots.values()].map((s) => s.staleAfterMs / 4)));
    if (this.slots.size > 0) {
      this.watchdog = setInterval(() => this.checkLiveness(), every);
      this.watchdog.unref();
    }
  }

  async stopAll(): Promise<void> {
    clearInterval(this.watchdog);
    await Promise.all([...this.slots.values()].map((s) => this.stopSlot(s)));
  }

  /** Stops a channel and forgets its credentials/state. */
  async logout(name: string): Promise<{ stopped: boolean; cleared: boolean }> {
    const slot = this.slots.get(name);
    if (!slot) return { stopped: false, cleared: false };
    const wasRunning = slot.running;
    slot.loggedOut = true;
    await this.stopSlot(slot);
    await slot.adapter.logout();
    return { stopped: wasRunning, cleared: true };
  }

  status(): Record<string, ChannelRuntimeStatus & { configured: boolean; running: boolean; restarts: number }> {
    const out: Record<string, ChannelRuntimeStatus & { configured: boolean; running: boolean; restarts: number }> = {};
    for (const [name, s] of this.slots) {
      const st = s.adapter.status();
      out[name] = {
        ...st,
        configured: !s.loggedOut,
        running: s.running,
        connected: s.running && st.connected,
        lastError: st.lastError ?? s.startError,
        restarts: s.restarts,
      };
    }
    return out;
  }

  private async startSlot(slot: Slot): Promise<void> {
    if (slot.loggedOut) return;
    clearTimeout(slot.retry);
    const controller = new AbortController();
    slot.controller = controller;
    try {
      await slot.adapter.start(controller.signal, (msg) => this.deps.onInbound(msg, slot.access));
      if (controller.signal.aborted) return;
      slot.running = true;
      slot.startError = null;
      slot.startedAt = this.deps.now();
      slot.backoff.reset();
    } catch (err) {
      slot.running = false;
      slot.startError = (err as Error)?.message ?? String(err);
      if (controller.signal.aborted || slot.loggedOut) return;
      const wait = slot.backoff.next();
      this.deps.log.warn({ channel: slot.adapter.name, err: slot.startError, retryInMs: wait }, "channel failed to start");
      slot.retry = setTimeout(() => void this.startSlot(slot), wait);
      slot.retry.unref();
    }
  }

  private async stopSlot(slot: Slot): Promise<void> {
    clearTimeout(slot.retry);
    slot.controller?.abort();
    slot.running = false;
    await slot.adapter.stop();
  }

  /** A channel that has not received (polled) for staleAfterMs is restarted: old connection closed first. */
  private checkLiveness(): void {
    const now = this.deps.now();
    for (const slot of this.slots.values()) {
      if (!slot.running) continue;
      const st = slot.adapter.status();
      // A restart counts as a fresh start: polls from before it do not make it stale again at once.
      const last = Math.max(st.lastPollAt ?? 0, slot.startedAt ?? now);
      if (now - last < slot.staleAfterMs) continue;
      slot.restarts++;
      this.deps.log.warn({ channel: slot.adapter.name, silentForMs: now - last }, "channel stopped receiving; restarting it");
      void this.stopSlot(slot).then(() => this.startSlot(slot));
    }
  }
}

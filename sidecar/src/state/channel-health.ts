import type { AccountState, ChannelRegistry } from "../channels/registry.js";
import type { ProbeResult } from "../channels/types.js";
import type { StateEvents } from "../events/state-events.js";
import type { HealthState } from "./health.js";

/** One channel in a health snapshot: its default account's state and every account's. */
export type ChannelHealth = {
  configured: boolean;
  running: boolean;
  connected: boolean;
  accountId: string | null;
  lastError: string | null;
  lastInboundAt?: number | null;
  probe?: ProbeResult;
  lastProbeAt?: number;
  accounts: Record<string, { running: boolean; connected: boolean; lastError: string | null }>;
};

/** True when an enabled, configured account is not receiving: not running, or running but cut off. */
export function accountDown(a: AccountState): boolean {
  return a.enabled && a.configured && !(a.running && a.connected);
}

/**
 * Each configured channel's health, in the registry's order. `activity` adds the last inbound
 * time (the `health` method has it; broadcast snapshots leave it out so traffic alone is no change).
 */
export function channelHealth(
  channels: Pick<ChannelRegistry, "names" | "status">,
  opts: { activity: boolean; probes?: Map<string, ProbeResult>; now?: number },
): Record<string, ChannelHealth> {
  const states = channels.status();
  const out: Record<string, ChannelHealth> = {};
  for (const channel of channels.names()) {
    const accounts = states.filter((a) => a.channel === channel);
    const def = accounts.find((a) => a.isDefault) ?? accounts[0];
    const probe = def ? opts.probes?.get(`${channel}:${def.accountId}`) : undefined;
    out[channel] = {
      configured: accounts.some((a) => a.configured),
      running: def?.running ?? false,
      connected: def?.connected ?? false,
      accountId: def?.accountId ?? null,
      lastError: def?.lastError ?? null,
      ...(opts.activity ? { lastInboundAt: def?.lastInboundAt ?? null } : {}),
      ...(probe ? { probe, lastProbeAt: opts.now ?? Date.now() } : {}),
      accounts: Object.fromEntries(accounts.map((a) => [a.accountId, { running: a.running, connected: a.connected, lastError: a.lastError }])),
    };
  }
  return out;
}

/**
 * Keeps the `channels` of the health snapshot (hello-ok, `health` events) in step with the channel
 * registry: checked every `everyMs`, a change is broadcast as a `health` event. Returns the stop.
 */
export function watchChannelHealth(
  deps: { channels: Pick<ChannelRegistry, "names" | "status">; health: HealthState; stateEvents: StateEvents; labels: (id: string) => string },
  everyMs: number,
): { sync: () => void; stop: () => void } {
  const sync = () => {
    const channels = channelHealth(deps.channels, { activity: false });
    const channelOrder = deps.channels.names();
    const channelLabels = Object.fromEntries(channelOrder.map((id) => [id, deps.labels(id)]));
    if (deps.health.update((f) => ({ ...f, channels, channelOrder, channelLabels }))) deps.stateEvents.healthChanged();
  };
  const timer = setInterval(sync, everyMs);
  timer.unref();
  sync();
  return { sync, stop: () => clearInterval(timer) };
}

import type { ChannelHealth } from "./channel-health.js";

/** Facts that make up the health snapshot; a change of any of them is a `health` change. */
export interface HealthFacts {
  heartbeat: { enabled: boolean; intervalMs: number; lastTs: number | null };
  channels: Record<string, ChannelHealth>;
  channelOrder: string[];
  channelLabels: Record<string, string>;
}

/** Tracks the health snapshot and counts its changes (stateVersion.health). */
export class HealthState {
  private changes = 0;
  private facts: HealthFacts;
  private fingerprint: string;

  constructor(
    initial: HealthFacts,
    private readonly startedAt: number,
    private readonly now: () => number,
  ) {
    this.facts = initial;
    this.fingerprint = JSON.stringify(initial);
  }

  get version(): number {
    return this.changes;
  }

  /** The snapshot sent in hello-ok, `health` results and `health` events. */
  snapshot(): { ok: boolean; ts: number; uptimeMs: number } & HealthFacts {
    const now = this.now();
    const f = this.facts;
    return { ok: true, ts: now, uptimeMs: now - this.startedAt, heartbeat: f.heartbeat, channels: f.channels, channelOrder: f.channelOrder, channelLabels: f.channelLabels };
  }

  /** Applies a change; returns true when the snapshot's content actually changed. */
  update(mutate: (f: HealthFacts) => HealthFacts): boolean {
    const next = mutate(this.facts);
    const fp = JSON.stringify(next);
    if (fp === this.fingerprint) return false;
    this.facts = next;
    this.fingerprint = fp;
    this.changes++;
    return true;
  }
}

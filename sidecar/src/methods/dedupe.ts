import type { ErrorShape } from "@clawdbot/protocol";

const TRANSIENT = new Set(["UNAVAILABLE", "AGENT_TIMEOUT"]);

export type Outcome = { ok: true; payload: unknown } | { ok: false; error: ErrorShape };

/** Remembers the outcome of side-effecting requests so a retry returns it instead of repeating the effect. */
export class DedupeCache {
  private readonly entries = new Map<string, { at: number; outcome: Promise<Outcome> }>();

  constructor(
    private readonly now: () => number,
    private readonly ttlMs = 5 * 60_000,
    private readonly maxEntries = 10_000,
  ) {}

  /** Returns the stored outcome for `key`, or runs `work` once and stores its outcome (also while in flight). */
  run(key: string, work: () => Promise<Outcome>): Promise<Outcome> {
    const now = this.now();
    const hit = this.entries.get(key);
    if (hit && now - hit.at < this.ttlMs) return hit.outcome;
    if (hit) this.entries.delete(key);
    this.evict(now);
    const outcome = work();
    this.entries.set(key, { at: now, outcome });
    // Transient failures (peer gone, timed out) are not the final word: a retry may run again.
    void outcome.then((o) => {
      if (!o.ok && TRANSIENT.has(o.error.code) && this.entries.get(key)?.outcome === outcome) this.entries.delete(key);
    });
    return outcome;
  }

  get size(): number {
    return this.entries.size;
  }

  private evict(now: number): void {
    for (const [k, e] of this.entries) {
      if (now - e.at < this.ttlMs && this.entries.size < this.maxEntries) break;
      this.entries.delete(k);
    }
  }
}

import type { CommandOutcome } from "./errors.js";

interface Entry {
  at: number;
  paramsJSON: string;
  outcome: Promise<CommandOutcome>;
}

/**
 * Remembers recent outcomes by idempotency key, so a retried node.invoke.request (same key,
 * same command) returns the first outcome — also while the first run is still going — instead
 * of running the command again.
 */
export class InvokeCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly now: () => number,
    private readonly ttlMs = 5 * 60_000,
    private readonly maxEntries = 2000,
  ) {}

  run(command: string, idempotencyKey: string | undefined, paramsJSON: string, work: () => Promise<CommandOutcome>): Promise<CommandOutcome> {
    if (idempotencyKey === undefined) return work();
    const now = this.now();
    this.evict(now);
    const key = `${command}\u0000${idempotencyKey}`;
    const hit = this.entries.get(key);
    if (hit) {
      if (hit.paramsJSON === paramsJSON) return hit.outcome;
      return Promise.resolve({
        ok: false,
        error: { code: "INVALID_REQUEST", message: `idempotencyKey ${idempotencyKey} was already used for ${command} with other params; use a new key` },
      });
    }
    const outcome = work();
    this.entries.set(key, { at: now, paramsJSON, outcome });
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

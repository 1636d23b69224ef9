/** An attempt refused because its key used up its failures; `retryAfterMs` until the window ends. */
export class RateLimited extends Error {
  constructor(readonly key: string, readonly retryAfterMs: number) {
    super(`too many failed attempts from ${key}`);
    this.name = "RateLimited";
  }
}

interface KeyState {
  windowStart: number;
  failures: number;
  inFlight: number;
  /** Attempts waiting for one in flight to settle. */
  waiters: (() => void)[];
}

/**
 * Limits failed attempts per key in a fixed window. An attempt in flight counts against the limit
 * until it settles, so a burst of parallel attempts cannot all be checked before the first failure
 * is recorded: at most `maxFailures − failures` run at once and the rest wait their turn, then are
 * refused once the failures reach the limit. Legitimate bursts are only queued, never refused.
 */
export class FailureRateLimiter {
  private readonly keys = new Map<string, KeyState>();

  constructor(
    private readonly maxFailures: number,
    private readonly windowMs: number,
    private readonly now: () => number,
    private readonly maxKeys = 10_000,
  ) {}

  /** Runs `attempt` within `key`'s budget; throws RateLimited when its failures reached the limit. */
  async run<T>(key: string, attempt: () => Promise<T>, isFailure: (err: unknown) => boolean): Promise<T> {
    const s = await this.admit(key);
    try {
      return await attempt();
    } catch (err) {
      if (isFailure(err)) s.failures++;
      throw err;
    } finally {
      s.inFlight--;
      this.wake(key, s);
    }
  }

  /** Milliseconds until `key` may try again, or 0 when it is not limited. */
  retryAfter(key: string): number {
    const s = this.current(key);
    return s && s.failures >= this.maxFailures ? s.windowStart + this.windowMs - this.now() : 0;
  }

  /** Keys tracked (bounded by maxKeys plus keys with attempts in flight). */
  get size(): number {
    return this.keys.size;
  }

  /** Waits for budget and takes it (the in-flight count rises in the same tick as the check). */
  private async admit(key: string): Promise<KeyState> {
    for (;;) {
      const s = this.current(key) ?? this.create(key);
      if (s.failures >= this.maxFailures) throw new RateLimited(key, s.windowStart + this.windowMs - this.now());
      if (s.failures + s.inFlight < this.maxFailures) {
        s.inFlight++;
        return s;
      }
      await new Promise<void>((resolve) => s.waiters.push(resolve));
    }
  }

  /** Lets as many waiters re-check as there is budget (all of them once the key is limited). */
  private wake(key: string, s: KeyState): void {
    const free = s.failures >= this.maxFailures ? s.waiters.length : this.maxFailures - s.failures - s.inFlight;
    for (const w of s.waiters.splice(0, Math.max(0, free))) w();
    if (s.inFlight === 0 && s.waiters.length === 0 && s.failures === 0) this.keys.delete(key);
  }

  /** The key's state in the current window (an expired window starts over, keeping what is in flight). */
  private current(key: string): KeyState | undefined {
    const s = this.keys.get(key);
    if (!s) return undefined;
    if (this.now() - s.windowStart >= this.windowMs) {
      if (s.inFlight === 0 && s.waiters.length === 0) {
        this.keys.delete(key);
        return undefined;
      }
      s.windowStart = this.now();
      s.failures = 0;
    }
    return s;
  }

  private create(key: string): KeyState {
    if (this.keys.size >= this.maxKeys) this.evictIdle();
    const s: KeyState = { windowStart: this.now(), failures: 0, inFlight: 0, waiters: [] };
    this.keys.set(key, s);
    return s;
  }

  /** Forgets the oldest key with nothing in flight (its failures are lost; a flood of keys cannot grow memory). */
  private evictIdle(): void {
    for (const [k, s] of this.keys) {
      if (s.inFlight === 0 && s.waiters.length === 0) {
        this.keys.delete(k);
        return;
      }
    }
  }
}

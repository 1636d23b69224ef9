/** Counts failures per key in a fixed window; once over the limit, the key is refused until the window ends. */
export class FailureRateLimiter {
  private readonly windows = new Map<string, { start: number; failures: number }>();
  constructor(
    private readonly maxFailures: number,
    private readonly windowMs: number,
    private readonly now: () => number,
    private readonly maxKeys = 10_000,
  ) {}

  /** Milliseconds until `key` may try again, or 0 when it is not limited. */
  retryAfter(key: string): number {
    const w = this.windows.get(key);
    if (!w) return 0;
    const left = w.start + this.windowMs - this.now();
    if (left <= 0) {
      this.windows.delete(key);
      return 0;
    }
    return w.failures >= this.maxFailures ? left : 0;
  }

  /** Records one failure for `key`. */
  fail(key: string): void {
    const now = this.now();
    const w = this.windows.get(key);
    if (!w || now - w.start >= this.windowMs) {
      if (this.windows.size >= this.maxKeys) this.evictOldest();
      this.windows.set(key, { start: now, failures: 1 });
    } else {
      w.failures++;
    }
  }

  private evictOldest(): void {
    const first = this.windows.keys().next();
    if (!first.done) this.windows.delete(first.value);
  }
}

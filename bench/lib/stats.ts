/** Latency samples in a preallocated buffer (bounded: extra samples are counted, not stored). */
export class Samples {
  private readonly buf: Float64Array;
  private n = 0;

  constructor(capacity: number) {
    this.buf = new Float64Array(capacity);
  }

  add(ms: number): void {
    if (this.n < this.buf.length) this.buf[this.n++] = ms;
  }

  get count(): number {
    return this.n;
  }

  /** p50/p99/max in ms (0 when empty). */
  summary(): LatencySummary {
    const s = this.buf.slice(0, this.n).sort();
    const at = (q: number) => (s.length === 0 ? 0 : (s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0));
    return { p50: at(0.5), p99: at(0.99), max: s.length === 0 ? 0 : (s[s.length - 1] ?? 0) };
  }
}

export interface LatencySummary {
  p50: number;
  p99: number;
  max: number;
}

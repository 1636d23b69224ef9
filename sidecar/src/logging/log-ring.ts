import { Writable } from "node:stream";

/** Keeps the last N log lines in memory, addressable by a monotonically increasing cursor. */
export class LogRing {
  private readonly lines: string[] = [];
  private next = 0;
  constructor(private readonly capacity = 5000) {}

  push(line: string): void {
    this.lines.push(line);
    this.next++;
    if (this.lines.length > this.capacity) this.lines.shift();
  }

  /** Lines after `cursor` (exclusive), at most `limit`, within `maxBytes`. */
  tail(cursor: number | undefined, limit: number, maxBytes: number) {
    const first = this.next - this.lines.length;
    const reset = cursor !== undefined && (cursor < first || cursor > this.next);
    const from = cursor === undefined || reset ? Math.max(first, this.next - limit) : cursor;
    const out: string[] = [];
    let bytes = 0;
    let i = from;
    for (; i < this.next && out.length < limit; i++) {
      const line = this.lines[i - first] ?? "";
      bytes += Buffer.byteLength(line) + 1;
      if (bytes > maxBytes && out.length > 0) break;
      out.push(line);
    }
    return { cursor: i, lines: out, truncated: i < this.next, reset };
  }

  /** A writable stream for pino's multistream. */
  stream(): Writable {
    return new Writable({
      write: (chunk: Buffer, _enc, cb) => {
        for (const line of chunk.toString().split("\n")) if (line) this.push(line);
        cb();
      },
    });
  }
}

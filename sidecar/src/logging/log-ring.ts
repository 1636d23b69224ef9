import { Writable } from "node:stream";

/** Where lines live when there is no log file. */
export const IN_MEMORY = "memory (logging.file is off)";

/**
 * Keeps the last N log lines in memory for logs.tail. Cursors are byte offsets into everything
 * written since start (as if it were one file), so `size` and `cursor` mean what they mean for a file.
 */
export class LogRing {
  private readonly lines: { at: number; text: string }[] = [];
  private end = 0;

  constructor(
    private readonly capacity = 5000,
    /** The log file the same lines go to, when logging.file is on. */
    readonly file: string = IN_MEMORY,
  ) {}

  push(line: string): void {
    this.lines.push({ at: this.end, text: line });
    this.end += Buffer.byteLength(line) + 1;
    if (this.lines.length > this.capacity) this.lines.shift();
  }

  /**
   * Lines from `cursor` on (the newest `limit` when there is none), at most `limit`, within
   * `maxBytes`. A cursor outside what is kept (too old, or from a restarted gateway) resets to the tail.
   */
  tail(cursor: number | undefined, limit: number, maxBytes: number) {
    const first = this.lines[0]?.at ?? this.end;
    const reset = cursor !== undefined && (cursor < first || cursor > this.end || !this.startsLine(cursor));
    let i = cursor === undefined || reset ? Math.max(0, this.lines.length - limit) : this.lines.findIndex((l) => l.at >= cursor);
    if (i === -1) i = this.lines.length;
    const out: string[] = [];
    let bytes = 0;
    for (; i < this.lines.length && out.length < limit; i++) {
      const text = this.lines[i]!.text;
      bytes += Buffer.byteLength(text) + 1;
      if (bytes > maxBytes && out.length > 0) break;
      out.push(text);
    }
    const next = this.lines[i]?.at ?? this.end;
    return { file: this.file, cursor: next, size: this.end, lines: out, truncated: i < this.lines.length, reset };
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

  private startsLine(cursor: number): boolean {
    return cursor === this.end || this.lines.some((l) => l.at === cursor);
  }
}

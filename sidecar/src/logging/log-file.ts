import { existsSync, mkdirSync } from "node:fs";
import { basename, dirname } from "node:path";
import { createStream, type RotatingFileStream } from "rotating-file-stream";

export interface LogFileOptions {
  path: string;
  /** The live file is rotated once it reaches this size. */
  maxFileBytes: number;
  /** Rotated files are dropped, oldest first, to keep all of them together under this. */
  maxTotalBytes: number;
  /** Where the file's own troubles are reported (stderr): a log file never stops silently. */
  report: (message: string) => void;
  /** After a failure, how long before the file is opened again; also how often a removed file is looked for. */
  retryMs?: number;
  now?: () => number;
}

/**
 * The gateway's log file, rotated by size with a cap on all files together. When writing fails
 * (disk full, directory removed) it says so on stderr, drops lines meanwhile, and opens the file
 * again on a later line, so logging resumes by itself.
 */
export class LogFile {
  private stream: RotatingFileStream | undefined;
  /** Set once the current stream has created its file. */
  private opened = false;
  /** Between rotating-file-stream's "rotation" and the next "open" the file is briefly absent by design. */
  private rotating = false;
  private checkedAt = 0;
  private failedAt: number | undefined;
  private dropped = 0;
  private readonly now: () => number;

  constructor(private readonly opts: LogFileOptions) {
    this.now = opts.now ?? Date.now;
    this.open();
  }

  get path(): string {
    return this.opts.path;
  }

  /** A writable for pino's multistream. */
  write(line: string): void {
    const now = this.now();
    const retryMs = this.opts.retryMs ?? 1000;
    if (!this.stream && this.failedAt !== undefined && now - this.failedAt >= retryMs) this.open();
    // A file deleted under us (rm -rf logs/) would swallow every later line: open it anew.
    if (this.stream && this.opened && !this.rotating && now - this.checkedAt >= retryMs) {
      this.checkedAt = now;
      if (!existsSync(this.opts.path)) {
        this.opts.report(`log file ${this.opts.path} was removed; writing a new one`);
        this.stream.destroy();
        this.stream = undefined;
        this.open();
      }
    }
    if (!this.stream) {
      this.dropped++;
      return;
    }
    this.stream.write(line);
  }

  /** Flushes and closes the file (shutdown). */
  close(): Promise<void> {
    const s = this.stream;
    this.stream = undefined;
    if (!s) return Promise.resolve();
    return new Promise((resolve) => s.end(() => resolve()));
  }

  private open(): void {
    const { path, maxFileBytes, maxTotalBytes } = this.opts;
    const dir = dirname(path);
    const name = basename(path);
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (err) {
      this.fail(err as Error);
      return;
    }
    const stream = createStream((time, index) => (time === null ? name : `${name}.${stamp(time)}-${index ?? 0}`), {
      path: dir,
      size: `${maxFileBytes}B`,
      maxSize: `${Math.max(maxTotalBytes - maxFileBytes, maxFileBytes)}B`,
      mode: 0o600,
      history: `.${name}.history`,
    });
    stream.on("error", (err) => {
      if (this.stream === stream) this.fail(err);
    });
    stream.on("warning", (err) => this.opts.report(`log file ${path}: ${err.message}`));
    stream.on("rotation", () => {
      if (this.stream === stream) this.rotating = true;
    });
    stream.on("open", () => {
      if (this.stream !== stream) return;
      this.opened = true;
      this.rotating = false;
    });
    this.stream = stream;
    this.opened = false;
    this.rotating = false;
    if (this.failedAt !== undefined) {
      this.opts.report(`log file ${path} is written again${this.dropped > 0 ? ` (${this.dropped} line(s) were lost meanwhile)` : ""}`);
      this.failedAt = undefined;
      this.dropped = 0;
    }
  }

  private fail(err: Error): void {
    const first = this.failedAt === undefined;
    this.failedAt = this.now();
    const s = this.stream;
    this.stream = undefined;
    s?.destroy();
    if (first) this.opts.report(`log file ${this.opts.path} cannot be written (${err.message}); lines go to stdout only until it can`);
  }
}

function stamp(time: number | Date): string {
  return new Date(time).toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
}

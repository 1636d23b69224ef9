import { mkdir, open } from "node:fs/promises";
import { join } from "node:path";
import { CronRunLogEntrySchema, check, type CronRunLogEntry } from "@clawdbot/protocol";
import type { Logger } from "pino";
import { writeFileAtomic } from "../store/atomic-file.js";
import { readLines } from "../store/lines.js";

/**
 * Run history, one JSON line per run in `<stateDir>/cron/runs/<jobId>.jsonl`, capped per job: when
 * a job has more than `cap()` entries the oldest are dropped (rewritten atomically). Appends are
 * fsync'd; every operation on one job's file runs in order.
 */
export class RunLog {
  readonly dir: string;
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(stateDir: string, private readonly cap: () => number, private readonly log: Logger) {
    this.dir = join(stateDir, "cron", "runs");
  }

  private file(jobId: string): string {
    return join(this.dir, `${jobId}.jsonl`);
  }

  /** Appends a finished run; trims the file to the cap. */
  append(entry: CronRunLogEntry): Promise<void> {
    return this.serial(entry.jobId, async () => {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      const fh = await open(this.file(entry.jobId), "a", 0o600);
      try {
        await fh.appendFile(`${JSON.stringify(entry)}\n`);
        await fh.datasync();
      } finally {
        await fh.close();
      }
      const lines = await this.lines(entry.jobId);
      if (lines.length > this.cap()) await this.write(entry.jobId, lines.slice(-this.cap()));
    });
  }

  /** Changes the entry of one run (its delivery settled later); undefined when it is no longer kept. */
  update(jobId: string, runId: string, change: (e: CronRunLogEntry) => CronRunLogEntry): Promise<CronRunLogEntry | undefined> {
    return this.serial(jobId, async () => {
      const lines = await this.lines(jobId);
      let updated: CronRunLogEntry | undefined;
      const next = lines.map((line) => {
        const e = parseEntry(line);
        if (!e || e.runId !== runId) return line;
        updated = change(e);
        return JSON.stringify(updated);
      });
      if (updated) await this.write(jobId, next);
      return updated;
    });
  }

  /** The last `limit` runs, oldest first; unreadable lines are skipped. */
  async read(jobId: string, limit: number): Promise<CronRunLogEntry[]> {
    await this.queues.get(jobId);
    const entries = (await this.lines(jobId)).map(parseEntry).filter((e): e is CronRunLogEntry => e !== undefined);
    return entries.slice(-limit);
  }

  private lines(jobId: string): Promise<string[]> {
    return readLines(this.file(jobId));
  }

  private write(jobId: string, lines: string[]): Promise<void> {
    return writeFileAtomic(this.file(jobId), lines.map((l) => `${l}\n`).join(""), 0o600);
  }

  private serial<T>(jobId: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.queues.get(jobId) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const settled = next.catch((err: unknown) => this.log.error({ err, jobId }, "cron run history not written"));
    this.queues.set(jobId, settled);
    void settled.then(() => {
      if (this.queues.get(jobId) === settled) this.queues.delete(jobId);
    });
    return next;
  }
}

function parseEntry(line: string): CronRunLogEntry | undefined {
  try {
    const res = check(CronRunLogEntrySchema, JSON.parse(line));
    return res.ok ? res.value : undefined;
  } catch {
    return undefined;
  }
}

import { join } from "node:path";
import { Type } from "@sinclair/typebox";
import type { Logger } from "pino";
import { readJsonFile, writeJsonFile } from "../../store/json-file.js";

const KEEP = 2000;
const StateSchema = Type.Object({ threads: Type.Array(Type.String()) }, { additionalProperties: false });

/**
 * Threads the bot has written in. A reply in one of them counts as addressed to the bot, so a
 * conversation continues in its thread without a mention each time. Kept on disk (the newest
 * KEEP) so a restart does not make the bot deaf in its own threads.
 */
export class ThreadMemory {
  private readonly threads = new Set<string>();
  private readonly path: string;
  private saving: Promise<void> = Promise.resolve();

  constructor(
    dir: string,
    private readonly log: Logger,
  ) {
    this.path = join(dir, "threads.json");
  }

  async load(): Promise<void> {
    const { threads } = await readJsonFile(this.path, StateSchema, { threads: [] });
    for (const t of threads) this.threads.add(t);
  }

  has(channel: string, threadTs: string): boolean {
    return this.threads.has(`${channel}:${threadTs}`);
  }

  /** Remembers a thread; saved in the background, writes serialised. */
  add(channel: string, threadTs: string): void {
    const key = `${channel}:${threadTs}`;
    if (this.threads.has(key)) return;
    this.threads.add(key);
    if (this.threads.size > KEEP) this.threads.delete(this.threads.values().next().value as string);
    const snapshot = { threads: [...this.threads] };
    // A lost write costs a mention after a restart, nothing more; it is logged, not retried.
    this.saving = this.saving.then(() => writeJsonFile(this.path, snapshot)).catch((err: unknown) => this.log.warn({ err, path: this.path }, "slack thread list not saved"));
  }

  /** Resolves once every write so far is on disk. */
  flush(): Promise<void> {
    return this.saving;
  }
}

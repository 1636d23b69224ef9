import type { Static, TSchema } from "@sinclair/typebox";
import { readJsonFile, writeJsonFile } from "./json-file.js";
import { removeLeftovers, withFileLock } from "./file-lock.js";

/**
 * A JSON document kept in memory and changed only under a cross-process lock:
 * lock → re-read from disk → mutate → atomic write → unlock. Readers use memory.
 */
export class LockedJsonFile<S extends TSchema> {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly path: string,
    private readonly schema: S,
    private readonly empty: () => Static<S>,
    private current: Static<S>,
  ) {}

  /** Loads the file (a missing file is `empty()`); throws StoreCorruptError on a damaged one. */
  static async open<S extends TSchema>(path: string, schema: S, empty: () => Static<S>): Promise<LockedJsonFile<S>> {
    await removeLeftovers(path);
    return new LockedJsonFile(path, schema, empty, await readJsonFile(path, schema, empty()));
  }

  /** The in-memory document (do not mutate outside `mutate`). */
  get data(): Static<S> {
    return this.current;
  }

  /** Applies `fn` to the freshest on-disk state and persists it before resolving. */
  mutate<T>(fn: (doc: Static<S>) => T): Promise<T> {
    const run = () =>
      withFileLock(`${this.path}.lock`, async () => {
        const doc = await readJsonFile(this.path, this.schema, this.empty());
        const out = fn(doc);
        await writeJsonFile(this.path, doc);
        this.current = doc;
        return out;
      });
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Resolves once every change asked for so far is written (or failed). */
  settled(): Promise<void> {
    return this.queue.then(() => undefined);
  }

  /** Re-reads the file (e.g. after another process changed it); ordered with mutations so memory never rolls back. */
  reload(): Promise<void> {
    const run = async () => {
      this.current = await readJsonFile(this.path, this.schema, this.empty());
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }
}

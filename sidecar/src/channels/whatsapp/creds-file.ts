import { readFile, readdir, unlink } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../../store/atomic-file.js";

const CURRENT = "creds.json";
const PREVIOUS = "creds.prev.json";

/** How loading went: the text in use, and whether it came from the previous copy. */
export type LoadedCreds = { ok: true; text: string; restored: boolean } | { ok: false; problem: string };

/**
 * The credentials file of one account, kept so that a crash at any moment leaves a readable
 * copy: each save first makes the last good text the previous copy, then replaces the current
 * one (both atomically: temp + fsync + rename). Loading falls back to the previous copy.
 */
export class CredsFile {
  private chain: Promise<void> = Promise.resolve();
  private lastGood: string | undefined;

  constructor(
    readonly dir: string,
    /** Throws when the text is not usable credentials. */
    private readonly validate: (text: string) => void,
  ) {}

  /** Reads the current copy, else the previous one (restoring it as current); removes temp files of cut-short writes. */
  async load(): Promise<LoadedCreds> {
    for (const name of await readdir(this.dir).catch(() => [] as string[])) {
      if (name.startsWith(".") && name.endsWith(".tmp")) await unlink(join(this.dir, name)).catch(() => undefined);
    }
    const current = await this.read(CURRENT);
    if (current.ok) {
      this.lastGood = current.text;
      return { ok: true, text: current.text, restored: false };
    }
    const previous = await this.read(PREVIOUS);
    if (!previous.ok) return current;
    await writeFileAtomic(join(this.dir, CURRENT), previous.text);
    this.lastGood = previous.text;
    return { ok: true, text: previous.text, restored: true };
  }

  /** Saves `text` after every earlier save; resolves once it is on disk. */
  save(text: string): Promise<void> {
    const next = this.chain.then(async () => {
      if (text === this.lastGood) return;
      if (this.lastGood !== undefined) await writeFileAtomic(join(this.dir, PREVIOUS), this.lastGood);
      await writeFileAtomic(join(this.dir, CURRENT), text);
      this.lastGood = text;
    });
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Forgets the last good text (after the folder was wiped). */
  reset(): void {
    this.lastGood = undefined;
  }

  private async read(name: string): Promise<{ ok: true; text: string } | { ok: false; problem: string }> {
    let text: string;
    try {
      text = await readFile(join(this.dir, name), "utf8");
    } catch (err) {
      return { ok: false, problem: (err as NodeJS.ErrnoException).code === "ENOENT" ? "missing" : (err as Error).message };
    }
    try {
      this.validate(text);
      return { ok: true, text };
    } catch (err) {
      return { ok: false, problem: (err as Error).message };
    }
  }
}

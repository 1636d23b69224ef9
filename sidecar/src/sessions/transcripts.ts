import { mkdir, open, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Static } from "@sinclair/typebox";
import { ChatMessageSchema, check } from "@clawdbot/protocol";
import type { Logger } from "pino";

export type ChatMessage = Static<typeof ChatMessageSchema>;

/** Identity, size and change time of a transcript file: unchanged means nobody else wrote it. */
interface FileStamp {
  ino: number;
  size: number;
  mtimeMs: number;
}

/** What memory holds of a session's transcript: its latest messages, valid while the file keeps its stamp. */
interface Tail {
  stamp: FileStamp;
  messages: ChatMessage[];
  /** Every message of the file is in `messages` (none were trimmed). */
  complete: boolean;
  /** The file ends with a newline (no torn last line to step over). */
  newline: boolean;
}

/** Appends waiting for the next write of one session; they share one write and one fsync. */
interface Batch {
  messages: ChatMessage[];
  done: Promise<void>;
  settle: (err?: unknown) => void;
}

/** Messages kept in memory per session, and sessions kept; older ones are read from disk when asked for. */
const TAIL_MESSAGES = 1000;
const TAIL_SESSIONS = 500;

const stampOf = (st: { ino: number; size: number; mtimeMs: number }): FileStamp => ({ ino: st.ino, size: st.size, mtimeMs: st.mtimeMs });
const sameStamp = (a: FileStamp, b: FileStamp) => a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;

/**
 * Per-session transcripts as JSON lines under `<stateDir>/sessions/`. Appends are group-committed:
 * those that arrive while a session's previous write is on its way share the next write and its
 * single fsync, and each resolves only once its line is on disk. The latest messages of recent
 * sessions stay in memory, so a run does not read its transcript again; the file's stamp (inode,
 * size, mtime) tells when anything else changed it, and then it is read afresh.
 */
export class TranscriptStore {
  private readonly dir: string;
  private readonly queues = new Map<string, Promise<void>>();
  private readonly batches = new Map<string, Batch>();
  private readonly tails = new Map<string, Tail>();
  private readonly counts = { appends: 0, commits: 0, reads: 0 };

  constructor(stateDir: string, private readonly log: Logger) {
    this.dir = join(stateDir, "sessions");
  }

  private file(sessionKey: string): string {
    // Session keys are validated to a safe alphabet; ':' is replaced for portable file names.
    return join(this.dir, `${sessionKey.replace(/:/g, "~")}.jsonl`);
  }

  /** Messages appended, writes (each with one fsync) that carried them, and transcript files read: what the batching saves. */
  stats(): { appends: number; commits: number; reads: number } {
    return { ...this.counts };
  }

  /** Appends one message; resolves once it is on disk. Appends to one session are ordered. */
  append(sessionKey: string, message: ChatMessage): Promise<void> {
    this.counts.appends++;
    const pending = this.batches.get(sessionKey);
    if (pending) {
      pending.messages.push(message);
      return pending.done;
    }
    let settle!: Batch["settle"];
    const done = new Promise<void>((resolve, reject) => (settle = (err) => (err === undefined ? resolve() : reject(err))));
    const batch: Batch = { messages: [message], done, settle };
    this.batches.set(sessionKey, batch);
    void this.serial(sessionKey, () => {
      // From here on, new appends start the next batch.
      this.batches.delete(sessionKey);
      return this.commit(sessionKey, batch.messages);
    }).then(
      () => batch.settle(),
      (err: unknown) => batch.settle(err ?? new Error("transcript write failed")),
    );
    return done;
  }

  /** Every session with a transcript and when it last changed, most recent first. */
  async sessions(): Promise<{ key: string; updatedAt: number }[]> {
    let names: string[];
    try {
      names = (await readdir(this.dir)).filter((n) => n.endsWith(".jsonl"));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw err;
    }
    const out = await Promise.all(
      names.map(async (n) => ({ key: n.slice(0, -".jsonl".length).replace(/~/g, ":"), updatedAt: Math.round((await stat(join(this.dir, n))).mtimeMs) })),
    );
    return out.sort((a, b) => b.updatedAt - a.updatedAt);
  }

  /** The last `limit` messages; a torn last line (crash mid-append) is skipped, not fatal. */
  history(sessionKey: string, limit: number): Promise<ChatMessage[]> {
    return this.serial(sessionKey, async () => {
      const tail = await this.freshTail(sessionKey, limit);
      return tail ? tail.messages.slice(-limit) : [];
    });
  }

  /** Runs `fn` after every earlier write or read of the session. */
  private serial<T>(sessionKey: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.queues.get(sessionKey) ?? Promise.resolve();
    const next = prev.then(fn);
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(sessionKey, settled);
    void settled.then(() => {
      if (this.queues.get(sessionKey) === settled) this.queues.delete(sessionKey);
    });
    return next;
  }

  /** Writes a batch in one append and one fsync; memory follows when it knew the file as it was. */
  private async commit(sessionKey: string, messages: ChatMessage[]): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const fh = await open(this.file(sessionKey), "a+", 0o600);
    try {
      const before = stampOf(await fh.stat());
      const tail = this.tails.get(sessionKey);
      const known = tail !== undefined && sameStamp(tail.stamp, before);
      // A crash mid-append can leave a torn last line; start ours on a fresh line so it survives.
      let lead = "";
      if (before.size > 0 && !(known && tail.newline)) {
        const last = Buffer.alloc(1);
        await fh.read(last, 0, 1, before.size - 1);
        if (last[0] !== 0x0a) lead = "\n";
      }
      const lines = messages.map((m) => JSON.stringify(m));
      await fh.appendFile(lead + lines.join("\n") + "\n");
      await fh.datasync();
      this.counts.commits++;
      if (known || before.size === 0) {
        // Memory holds what a read of the file would give (undefined fields gone, like on disk).
        const written = lines.map((l) => JSON.parse(l) as ChatMessage);
        const next: Tail = known ? tail : { stamp: before, messages: [], complete: true, newline: true };
        next.messages.push(...written);
        const excess = next.messages.length - TAIL_MESSAGES;
        if (excess > 0) {
          next.messages.splice(0, excess);
          next.complete = false;
        }
        next.stamp = stampOf(await fh.stat());
        next.newline = true;
        this.remember(sessionKey, next);
      } else this.tails.delete(sessionKey);
    } finally {
      await fh.close();
    }
  }

  /** The session's tail in memory, read from disk when the file changed behind it or more is asked for than it holds. */
  private async freshTail(sessionKey: string, limit: number): Promise<Tail | undefined> {
    const path = this.file(sessionKey);
    const tail = this.tails.get(sessionKey);
    if (tail && (tail.complete || tail.messages.length >= limit)) {
      const st = await stat(path).catch((err: NodeJS.ErrnoException) => {
        if (err.code === "ENOENT") return undefined;
        throw err;
      });
      if (st && sameStamp(tail.stamp, stampOf(st))) {
        this.remember(sessionKey, tail);
        return tail;
      }
    }
    this.tails.delete(sessionKey);
    let text: string;
    let st: FileStamp;
    try {
      const fh = await open(path, "r");
      this.counts.reads++;
      try {
        st = stampOf(await fh.stat());
        text = await fh.readFile("utf8");
      } finally {
        await fh.close();
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
    const messages = this.parse(sessionKey, text);
    const fresh: Tail = {
      stamp: st,
      messages: messages.slice(-TAIL_MESSAGES),
      complete: messages.length <= TAIL_MESSAGES,
      newline: text.length === 0 || text.endsWith("\n"),
    };
    // Text read past the stamp (a write raced the read) is used once but not kept.
    if (Buffer.byteLength(text) === st.size) this.remember(sessionKey, fresh);
    return fresh;
  }

  private parse(sessionKey: string, text: string): ChatMessage[] {
    const out: ChatMessage[] = [];
    for (const line of text.split("\n")) {
      if (!line) continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        parsed = undefined;
      }
      const msg = check(ChatMessageSchema, parsed);
      if (msg.ok) out.push(msg.value);
      else this.log.warn({ sessionKey }, "skipped a damaged transcript line");
    }
    return out;
  }

  /** Keeps a tail as the most recently used; the least recently used beyond the limit is dropped. */
  private remember(sessionKey: string, tail: Tail): void {
    this.tails.delete(sessionKey);
    this.tails.set(sessionKey, tail);
    if (this.tails.size > TAIL_SESSIONS) this.tails.delete(this.tails.keys().next().value as string);
  }
}

/** A transcript message with one text block. */
export function textMessage(role: ChatMessage["role"], text: string, timestamp: number, extra: Partial<ChatMessage> = {}): ChatMessage {
  return { role, content: [{ type: "text", text }], timestamp, ...extra };
}

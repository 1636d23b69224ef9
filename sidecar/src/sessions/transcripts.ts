import { mkdir, open, readFile, readdir, rename, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { Static } from "@sinclair/typebox";
import { ChatMessageSchema, check } from "@clawdbot/protocol";
import type { Logger } from "pino";
import { writeFileAtomic } from "../store/atomic-file.js";
import { readLines } from "../store/lines.js";
import { SessionMetaSchema, newMeta, type SessionMeta } from "./meta.js";

export type ChatMessage = Static<typeof ChatMessageSchema>;

/** Size and modification time of a transcript file: how the index tells a stale entry. */
export interface FileStamp {
  size: number;
  mtimeMs: number;
}

/** A transcript as read from disk. */
export interface Transcript {
  /** The last session header, if the file has one. */
  meta: SessionMeta | undefined;
  messages: ChatMessage[];
  /** The raw first line (legacy session ids are derived from it). */
  firstLine: string;
  stamp: FileStamp;
}

/** What an append did, for the session index. */
export interface AppendEvent {
  message: ChatMessage;
  /** The header written first when this append created the transcript. */
  header: SessionMeta | undefined;
  stamp: FileStamp;
}

export interface TranscriptOptions {
  now?: () => number;
  /** Told after every append (the index keeps counts and last activity from it); the append waits for it. */
  onAppend?: (sessionKey: string, ev: AppendEvent) => void | Promise<void>;
}

/** Transcripts end in `.jsonl`; the key's ':' becomes '~' (keys never contain '~'). */
const SUFFIX = ".jsonl";

/** A stamp with the file's identity: unchanged means nobody else wrote or replaced it. */
interface TailStamp extends FileStamp {
  ino: number;
}

/** What memory holds of a session's transcript: its latest messages, valid while the file keeps its stamp. */
interface Tail {
  stamp: TailStamp;
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

const stampOf = (st: { ino: number; size: number; mtimeMs: number }): TailStamp => ({ ino: st.ino, size: st.size, mtimeMs: st.mtimeMs });
const sameStamp = (a: TailStamp, b: TailStamp) => a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;

/**
 * Per-session transcripts as JSON lines under `<stateDir>/sessions/`. The first line of a
 * transcript is a session header; later header lines record changed settings. Every operation on
 * one session (appends, rewrites, moves) runs in order on that session's queue.
 *
 * Appends are group-committed: those that arrive while a session's previous write is on its way
 * share the next write and its single fsync, and each resolves only once its line is on disk. The
 * latest messages of recent sessions stay in memory, so a run does not read its transcript again;
 * the file's stamp (inode, size, mtime) tells when anything else changed it, and then it is read afresh.
 */
export class TranscriptStore {
  readonly dir: string;
  readonly archiveDir: string;
  private readonly queues = new Map<string, Promise<void>>();
  private readonly batches = new Map<string, Batch>();
  private readonly tails = new Map<string, Tail>();
  private readonly counts = { appends: 0, commits: 0, reads: 0 };
  private readonly now: () => number;

  constructor(stateDir: string, private readonly log: Logger, private readonly opts: TranscriptOptions = {}) {
    this.dir = join(stateDir, "sessions");
    this.archiveDir = join(this.dir, "archive");
    this.now = opts.now ?? Date.now;
  }

  /** The transcript file of a session key. */
  file(sessionKey: string): string {
    return join(this.dir, `${sessionKey.replace(/:/g, "~")}${SUFFIX}`);
  }

  /** Messages appended, writes (each with one fsync) that carried them, and transcript files read: what the batching saves. */
  stats(): { appends: number; commits: number; reads: number } {
    return { ...this.counts };
  }
  /** Keys of every transcript on disk. */
  async keys(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw err;
    }
    return names.filter((n) => n.endsWith(SUFFIX) && !n.startsWith(".")).map((n) => n.slice(0, -SUFFIX.length).replace(/~/g, ":"));
  }

  /** Runs `fn` alone on the session's queue (after every earlier append or rewrite of it). */
  exclusive<T>(sessionKey: string, fn: () => Promise<T>): Promise<T> {
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

  /** Appends one message; resolves once it is on disk. A new transcript starts with a header. */
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
    void this.exclusive(sessionKey, async () => {
      // From here on, new appends start the next batch.
      this.batches.delete(sessionKey);
      const { header, stamp } = await this.writeLines(sessionKey, batch.messages, (size) => (size === 0 ? newMeta(this.now()) : undefined));
      for (const [i, m] of batch.messages.entries()) await this.opts.onAppend?.(sessionKey, { message: m, header: i === 0 ? header : undefined, stamp });
    }).then(
      () => batch.settle(),
      (err: unknown) => batch.settle(err ?? new Error("transcript write failed")),
    );
    return done;
  }

  /** Appends a header line (changed settings); the caller holds the session's queue. */
  async appendMeta(sessionKey: string, meta: SessionMeta): Promise<FileStamp> {
    return (await this.writeLines(sessionKey, [], () => meta)).stamp;
  }

  /**
   * Writes messages (after a header line when `header` gives one for the file's size) in one append
   * and one fsync; memory follows when it knew the file as it was.
   */
  private async writeLines(
    sessionKey: string,
    messages: ChatMessage[],
    header: (size: number) => SessionMeta | undefined,
  ): Promise<{ header: SessionMeta | undefined; stamp: FileStamp }> {
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
      const head = header(before.size);
      const lines = messages.map((m) => JSON.stringify(m));
      await fh.appendFile(lead + [...(head ? [JSON.stringify(head)] : []), ...lines].join("\n") + "\n");
      await fh.datasync();
      this.counts.commits++;
      const after = stampOf(await fh.stat());
      if (known || before.size === 0) {
        // Memory holds what a read of the file would give (undefined fields gone, like on disk).
        const next: Tail = known ? tail : { stamp: before, messages: [], complete: true, newline: true };
        next.messages.push(...lines.map((l) => JSON.parse(l) as ChatMessage));
        const excess = next.messages.length - TAIL_MESSAGES;
        if (excess > 0) {
          next.messages.splice(0, excess);
          next.complete = false;
        }
        next.stamp = after;
        next.newline = true;
        this.remember(sessionKey, next);
      } else this.tails.delete(sessionKey);
      return { header: head, stamp: { size: after.size, mtimeMs: after.mtimeMs } };
    } finally {
      await fh.close();
    }
  }

  /** The last `limit` messages; a torn last line (crash mid-append) is skipped, not fatal. */
  history(sessionKey: string, limit: number): Promise<ChatMessage[]> {
    return this.exclusive(sessionKey, async () => {
      const tail = await this.freshTail(sessionKey, limit);
      return tail ? tail.messages.slice(-limit) : [];
    });
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
    let st: TailStamp;
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
    const parsed = parseTranscript(text);
    if (parsed.damaged > 0) this.log.warn({ sessionKey, lines: parsed.damaged }, "skipped a damaged transcript line");
    const fresh: Tail = {
      stamp: st,
      messages: parsed.messages.slice(-TAIL_MESSAGES),
      complete: parsed.messages.length <= TAIL_MESSAGES,
      newline: text.length === 0 || text.endsWith("\n"),
    };
    // Text read past the stamp (a write raced the read) is used once but not kept.
    if (Buffer.byteLength(text) === st.size) this.remember(sessionKey, fresh);
    return fresh;
  }

  /** Keeps a tail as the most recently used; the least recently used beyond the limit is dropped. */
  private remember(sessionKey: string, tail: Tail): void {
    this.tails.delete(sessionKey);
    this.tails.set(sessionKey, tail);
    if (this.tails.size > TAIL_SESSIONS) this.tails.delete(this.tails.keys().next().value as string);
  }

  /** Reads a whole transcript, or undefined when there is none. */
  async read(sessionKey: string): Promise<Transcript | undefined> {
    let text: string;
    let stamp: FileStamp;
    try {
      const path = this.file(sessionKey);
      [text, stamp] = await Promise.all([readFile(path, "utf8"), stat(path)]);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
    const parsed = parseTranscript(text);
    if (parsed.damaged > 0) this.log.warn({ sessionKey, lines: parsed.damaged }, "skipped a damaged transcript line");
    return { ...parsed, stamp: { size: stamp.size, mtimeMs: stamp.mtimeMs } };
  }

  /** Raw lines of a transcript (empty when there is none); the caller holds the session's queue. */
  lines(sessionKey: string): Promise<string[]> {
    return readLines(this.file(sessionKey));
  }

  /** Replaces a transcript atomically; the caller holds the session's queue. */
  async rewrite(sessionKey: string, lines: string[]): Promise<FileStamp> {
    const path = this.file(sessionKey);
    this.tails.delete(sessionKey);
    await writeFileAtomic(path, lines.map((l) => `${l}\n`).join(""), 0o600);
    const st = await stat(path);
    return { size: st.size, mtimeMs: st.mtimeMs };
  }

  /** Writes lines to a new archive file named after the session and why; returns its path. */
  async writeArchive(sessionKey: string, why: string, lines: string[]): Promise<string> {
    const path = await this.archivePath(sessionKey, why);
    await writeFileAtomic(path, lines.map((l) => `${l}\n`).join(""), 0o600);
    return path;
  }

  /** Moves a transcript into the archive; returns the new path, or null when there was none. */
  async moveToArchive(sessionKey: string, why: string): Promise<string | null> {
    const path = await this.archivePath(sessionKey, why);
    this.tails.delete(sessionKey);
    try {
      await rename(this.file(sessionKey), path);
      return path;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw err;
    }
  }

  /** Deletes a transcript for good; true when there was one. */
  async remove(sessionKey: string): Promise<boolean> {
    this.tails.delete(sessionKey);
    try {
      await unlink(this.file(sessionKey));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw err;
    }
  }

  /** `archive/<file>.<why>.<ms>[-n].jsonl`, never an existing name. */
  private async archivePath(sessionKey: string, why: string): Promise<string> {
    await mkdir(this.archiveDir, { recursive: true, mode: 0o700 });
    const base = `${sessionKey.replace(/:/g, "~")}.${why}.${this.now()}`;
    for (let n = 0; ; n++) {
      const path = join(this.archiveDir, `${base}${n ? `-${n}` : ""}${SUFFIX}`);
      try {
        await stat(path);
      } catch {
        return path;
      }
    }
  }
}

/** Splits transcript text into its header and messages, counting lines that are neither. */
export function parseTranscript(text: string): { meta: SessionMeta | undefined; messages: ChatMessage[]; firstLine: string; damaged: number } {
  let meta: SessionMeta | undefined;
  const messages: ChatMessage[] = [];
  let firstLine = "";
  let damaged = 0;
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    if (!firstLine) firstLine = line;
    const kind = classifyLine(line);
    if (kind.type === "meta") meta = kind.meta;
    else if (kind.type === "message") messages.push(kind.message);
    else damaged++;
  }
  return { meta, messages, firstLine, damaged };
}

/** One transcript line: a header, a message, or neither (torn or foreign). */
export function classifyLine(line: string): { type: "meta"; meta: SessionMeta } | { type: "message"; message: ChatMessage } | { type: "damaged" } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return { type: "damaged" };
  }
  if (parsed !== null && typeof parsed === "object" && (parsed as { type?: unknown }).type === "session") {
    const meta = check(SessionMetaSchema, parsed);
    return meta.ok ? { type: "meta", meta: meta.value } : { type: "damaged" };
  }
  const msg = check(ChatMessageSchema, parsed);
  return msg.ok ? { type: "message", message: msg.value } : { type: "damaged" };
}

/** A transcript message with one text block. */
export function textMessage(role: ChatMessage["role"], text: string, timestamp: number, extra: Partial<ChatMessage> = {}): ChatMessage {
  return { role, content: [{ type: "text", text }], timestamp, ...extra };
}

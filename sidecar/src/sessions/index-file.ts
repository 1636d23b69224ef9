import { readFile, rename, stat } from "node:fs/promises";
import { join } from "node:path";
import { Type, type Static } from "@sinclair/typebox";
import { check, formatIssues } from "@clawdbot/protocol";
import type { Logger } from "pino";
import { writeJsonFile } from "../store/json-file.js";
import { SessionSettingsSchema, keyFacts, legacySessionId, settingsOf, type SessionMeta } from "./meta.js";
import type { ChatMessage, FileStamp, Transcript, TranscriptStore } from "./transcripts.js";

const PREVIEW_CHARS = 200;

const LastMessageSchema = Type.Object(
  { role: Type.String({ minLength: 1 }), text: Type.String(), timestamp: Type.Integer({ minimum: 0 }) },
  { additionalProperties: false },
);

/** What the index knows of one session; all of it can be read again from the transcript. */
export const IndexEntrySchema = Type.Object(
  {
    sessionId: Type.String({ minLength: 1 }),
    createdAt: Type.Integer({ minimum: 0 }),
    updatedAt: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
    messageCount: Type.Integer({ minimum: 0 }),
    settings: SessionSettingsSchema,
    channel: Type.Optional(Type.String({ minLength: 1 })),
    displayName: Type.Optional(Type.String()),
    lastMessage: Type.Optional(LastMessageSchema),
    /** The transcript as it was when this entry was last brought up to date. */
    size: Type.Integer({ minimum: 0 }),
    mtimeMs: Type.Number({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type IndexEntry = Static<typeof IndexEntrySchema>;

const IndexFileSchema = Type.Object(
  { version: Type.Literal(1), sessions: Type.Record(Type.String(), IndexEntrySchema) },
  { additionalProperties: false },
);

/**
 * The session index, `<stateDir>/sessions/sessions.json`: one entry per transcript, so listing
 * sessions never reads every transcript. The transcripts stay the source of truth: a missing or
 * damaged index is rebuilt from them at start-up, and an entry whose transcript changed behind its
 * back (size or mtime differ) is read again. Kept in memory and written atomically, one write at a
 * time: at once when a session appears, changes or goes; counts that only grew with new messages
 * are written at shutdown (after a crash, their transcripts' stamps give them away).
 */
export class SessionIndex {
  private readonly entries = new Map<string, IndexEntry>();
  private saving: Promise<void> | undefined;
  private dirty = false;
  /** Changes in memory that no write has been asked for yet. */
  private unsaved = false;

  private constructor(
    readonly path: string,
    private readonly transcripts: TranscriptStore,
    private readonly log: Logger,
  ) {}

  /** Loads the index, rebuilding what is missing, damaged or stale from the transcripts. */
  static async open(transcripts: TranscriptStore, log: Logger): Promise<SessionIndex> {
    const index = new SessionIndex(join(transcripts.dir, "sessions.json"), transcripts, log);
    await index.load();
    return index;
  }

  get(key: string): IndexEntry | undefined {
    return this.entries.get(key);
  }

  all(): [string, IndexEntry][] {
    return [...this.entries];
  }

  /** Records an appended message (and the header that started the transcript); a new session is saved at once. */
  recordAppend(key: string, message: ChatMessage, header: SessionMeta | undefined, stamp: FileStamp): Promise<void> {
    let entry = this.entries.get(key);
    const created = !entry || header !== undefined;
    if (!entry || header) {
      entry = header ? fromMeta(header, stamp) : { ...emptyEntry(key, message.timestamp, stamp), settings: entry?.settings ?? {} };
      this.entries.set(key, entry);
    }
    addMessage(entry, message);
    Object.assign(entry, stamp);
    if (created) return this.saveNow();
    this.unsaved = true;
    return Promise.resolve();
  }

  /** Replaces an entry (after a patch, reset or compaction); resolves once saved. */
  set(key: string, entry: IndexEntry): Promise<void> {
    this.entries.set(key, entry);
    return this.saveNow();
  }

  /** Forgets an entry; resolves once saved. */
  delete(key: string): Promise<void> {
    return this.entries.delete(key) ? this.saveNow() : Promise.resolve();
  }

  /** Builds an entry from a transcript's content. */
  static entryFrom(key: string, t: Transcript): IndexEntry {
    const first = t.messages[0]?.timestamp ?? Math.floor(t.stamp.mtimeMs);
    const entry = t.meta ? fromMeta(t.meta, t.stamp) : emptyEntry(key, first, t.stamp);
    if (!t.meta && t.firstLine) entry.sessionId = legacySessionId(key, t.firstLine);
    for (const m of t.messages) addMessage(entry, m);
    return entry;
  }

  /** Writes what is only in memory (shutdown) and resolves once the latest change is on disk. */
  async flush(): Promise<void> {
    if (this.unsaved) this.save();
    while (this.saving) await this.saving;
  }

  private saveNow(): Promise<void> {
    this.save();
    return this.flush();
  }

  private save(): void {
    this.dirty = true;
    this.unsaved = false;
    this.saving ??= this.writeLoop();
  }

  private async writeLoop(): Promise<void> {
    try {
      while (this.dirty) {
        this.dirty = false;
        const doc = { version: 1 as const, sessions: Object.fromEntries(this.entries) };
        await writeJsonFile(this.path, doc).catch((err: unknown) => this.log.error({ err, path: this.path }, "session index not saved"));
      }
    } finally {
      this.saving = undefined;
    }
  }

  private async load(): Promise<void> {
    const stored = await this.readStored();
    let changed = false;
    for (const key of await this.transcripts.keys()) {
      const known = stored?.[key];
      const st = await stat(this.transcripts.file(key)).catch(() => undefined);
      if (!st) continue;
      if (known && known.size === st.size && known.mtimeMs === st.mtimeMs) {
        this.entries.set(key, known);
        continue;
      }
      const t = await this.transcripts.read(key);
      if (!t) continue;
      this.entries.set(key, SessionIndex.entryFrom(key, t));
      changed = true;
    }
    if (stored && Object.keys(stored).some((k) => !this.entries.has(k))) changed = true;
    if (changed) await this.saveNow();
  }

  /** The stored entries, or undefined when the file is missing or cannot be trusted. */
  private async readStored(): Promise<Record<string, IndexEntry> | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
    let parsed: unknown;
    let why: string;
    try {
      parsed = JSON.parse(text);
      const res = check(IndexFileSchema, parsed);
      if (res.ok) return res.value.sessions;
      why = formatIssues(res.issues);
    } catch (err) {
      why = `not valid JSON: ${(err as Error).message}`;
    }
    this.log.warn({ path: this.path, why }, "session index damaged; rebuilding it from the transcripts");
    await rename(this.path, `${this.path}.damaged`).catch(() => undefined);
    return undefined;
  }
}

function fromMeta(meta: SessionMeta, stamp: FileStamp): IndexEntry {
  return { sessionId: meta.sessionId, createdAt: meta.createdAt, updatedAt: null, messageCount: 0, settings: settingsOf(meta), ...stamp };
}

function emptyEntry(key: string, createdAt: number, stamp: FileStamp): IndexEntry {
  return { sessionId: legacySessionId(key, String(createdAt)), createdAt, updatedAt: null, messageCount: 0, settings: {}, ...stamp };
}

/** Counts a message and keeps what lists show of it. */
function addMessage(entry: IndexEntry, m: ChatMessage): void {
  entry.messageCount++;
  entry.updatedAt = Math.max(entry.updatedAt ?? 0, m.timestamp);
  const text = m.content.map((c) => c.text).join("");
  entry.lastMessage = { role: m.role, text: text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS - 1)}…` : text, timestamp: m.timestamp };
  if (m.channel && m.channel !== "webchat") entry.channel ??= m.channel;
  if (m.role === "user" && m.senderName) entry.displayName = m.senderName;
}

/** Channel of a session: the key's, else the first channel a message came in on. */
export function channelOf(key: string, entry: IndexEntry): string | undefined {
  return keyFacts(key).channel ?? entry.channel;
}

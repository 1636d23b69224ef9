import { randomUUID } from "node:crypto";
import type { ChatEvent, Params, Result } from "@clawdbot/protocol";
import type { Logger } from "pino";
import { GatewayError } from "../errors.js";
import type { AgentRunner } from "../agent/runner.js";
import { SessionIndex, channelOf, type IndexEntry } from "./index-file.js";
import { classifyLine, textMessage, type TranscriptStore } from "./transcripts.js";
import { keyFacts, newMeta, type SessionMeta, type SessionSettings } from "./meta.js";
import { MAIN_SESSION_KEY } from "../channels/router.js";
const DEFAULT_COMPACT_LINES = 200;
const DEFAULT_PREVIEW_ITEMS = 5;
const DEFAULT_PREVIEW_CHARS = 240;

type Row = Result<"sessions.list">["sessions"][number];
type Entry = Result<"sessions.patch">["entry"];

export interface SessionServiceDeps {
  transcripts: TranscriptStore;
  index: SessionIndex;
  /** Runs of a session are aborted and awaited before its transcript is moved. */
  runs: Pick<AgentRunner, "busy" | "abort" | "get">;
  now: () => number;
  log: Logger;
  /** The configured models (first = default) and the backend's name, read at call time. */
  models: () => { ids: string[]; provider: string };
  emitChat: (ev: ChatEvent) => void;
}

/** Sessions as operators manage them: list, preview, resolve, patch, reset, delete, compact, inject. */
export class SessionService {
  constructor(private readonly deps: SessionServiceDeps) {}

  /** A session's settings (model, thinking level, send policy, label). */
  settings(key: string): SessionSettings {
    return this.deps.index.get(key)?.settings ?? {};
  }

  /** The session's entry, if it has a transcript. */
  entry(key: string): IndexEntry | undefined {
    return this.deps.index.get(key);
  }

  /** How many sessions there are and the `limit` most recently updated, from the index in memory (health's summary). */
  summary(limit: number): { count: number; recent: { key: string; updatedAt: number }[] } {
    const all = this.deps.index.all().map(([key, e]) => ({ key, updatedAt: e.updatedAt ?? Math.round(e.mtimeMs) }));
    all.sort((a, b) => b.updatedAt - a.updatedAt || a.key.localeCompare(b.key));
    return { count: all.length, recent: all.slice(0, limit) };
  }

  list(p: Params<"sessions.list">): Result<"sessions.list"> {
    const { now } = this.deps;
    const { ids, provider } = this.deps.models();
    const search = p?.search?.trim().toLowerCase();
    const since = p?.activeMinutes !== undefined ? now() - p.activeMinutes * 60_000 : undefined;
    let rows = this.deps.index
      .all()
      .map(([key, e]) => this.row(key, e, p?.includeLastMessage === true))
      .filter((r) => (r.kind !== "global" || p?.includeGlobal === true) && (r.kind !== "unknown" || p?.includeUnknown === true))
      .filter((r) => since === undefined || (r.updatedAt ?? r.createdAt) >= since)
      .filter((r) => p?.label === undefined || r.label === p.label)
      .filter((r) => !search || [r.key, r.label, r.displayName, r.sessionId].some((v) => v?.toLowerCase().includes(search)))
      .sort((a, b) => (b.updatedAt ?? b.createdAt) - (a.updatedAt ?? a.createdAt) || a.key.localeCompare(b.key));
    if (p?.limit !== undefined) rows = rows.slice(0, p.limit);
    return { ts: now(), path: this.deps.index.path, count: rows.length, defaults: { model: ids[0] ?? null, modelProvider: provider, contextTokens: null }, sessions: rows };
  }

  private row(key: string, e: IndexEntry, withLast: boolean): Row {
    const facts = keyFacts(key);
    const channel = channelOf(key, e);
    const s = e.settings;
    return {
      key,
      kind: facts.kind,
      sessionId: e.sessionId,
      ...(s.label !== undefined ? { label: s.label } : {}),
      ...(e.displayName !== undefined ? { displayName: e.displayName } : facts.peer ? { displayName: `${channel ?? "chat"} ${facts.kind === "group" ? "group " : ""}${facts.peer}` } : {}),
      ...(channel ? { channel } : {}),
      ...(facts.peer ? { peer: facts.peer } : {}),
      createdAt: e.createdAt,
      updatedAt: e.updatedAt,
      messageCount: e.messageCount,
      model: s.model ?? this.deps.models().ids[0] ?? null,
      modelProvider: this.deps.models().provider,
      ...(s.thinkingLevel !== undefined ? { thinkingLevel: s.thinkingLevel } : {}),
      ...(s.sendPolicy !== undefined ? { sendPolicy: s.sendPolicy } : {}),
      active: this.deps.runs.busy(key),
      ...(withLast && e.lastMessage ? { lastMessage: e.lastMessage, lastMessagePreview: e.lastMessage.text } : {}),
    };
  }

  async preview(p: Params<"sessions.preview">): Promise<Result<"sessions.preview">> {
    const limit = p.limit ?? DEFAULT_PREVIEW_ITEMS;
    const maxChars = p.maxChars ?? DEFAULT_PREVIEW_CHARS;
    const previews = await Promise.all(
      p.keys.map(async (key) => {
        try {
          const t = await this.deps.transcripts.read(key);
          if (!t) return { key, status: "missing" as const, items: [] };
          const items = t.messages.slice(-limit).map((m) => ({ role: m.role, text: shorten(m.content.map((c) => c.text).join(""), maxChars), timestamp: m.timestamp }));
          return { key, status: items.length > 0 ? ("ok" as const) : ("empty" as const), items };
        } catch (err) {
          this.deps.log.warn({ err, sessionKey: key }, "session preview failed");
          return { key, status: "error" as const, items: [] };
        }
      }),
    );
    return { ts: this.deps.now(), previews };
  }

  resolve(p: Params<"sessions.resolve">): Result<"sessions.resolve"> {
    const given = [p.key, p.sessionId, p.label].filter((v) => v !== undefined);
    if (given.length !== 1) throw new GatewayError("params_invalid", "sessions.resolve needs exactly one of key, sessionId or label");
    const all = this.deps.index.all();
    const hit =
      p.key !== undefined
        ? all.find(([k]) => k === p.key)
        : p.sessionId !== undefined
          ? all.find(([, e]) => e.sessionId === p.sessionId)
          : all.find(([, e]) => e.settings.label === p.label);
    if (!hit) {
      const what = p.key !== undefined ? `key ${p.key}` : p.sessionId !== undefined ? `session id ${p.sessionId}` : `label "${p.label}"`;
      throw new GatewayError("not_found", `no session with ${what}; see sessions.list`);
    }
    return { ok: true, key: hit[0], sessionId: hit[1].sessionId };
  }

  /** Applies a settings patch (null clears a setting); creates the session when it has no transcript yet. */
  async patch(p: Params<"sessions.patch">): Promise<Result<"sessions.patch">> {
    if (typeof p.label === "string") {
      const owner = this.deps.index.all().find(([k, e]) => k !== p.key && e.settings.label === p.label);
      if (owner) throw new GatewayError("params_invalid", `label "${p.label}" already names session ${owner[0]}; pick another or clear it there first`);
    }
    if (typeof p.model === "string") {
      const { ids } = this.deps.models();
      if (!ids.includes(p.model)) throw new GatewayError("params_invalid", `model "${p.model}" is not offered by the agent backend (models.list: ${ids.join(", ")})`);
    }
    return this.deps.transcripts.exclusive(p.key, async () => {
      const current = this.deps.index.get(p.key);
      const settings: SessionSettings = { ...(current?.settings ?? {}) };
      for (const k of ["label", "model", "thinkingLevel", "sendPolicy"] as const) {
        const v = p[k];
        if (v === null) delete settings[k];
        else if (v !== undefined) (settings as Record<string, string>)[k] = v;
      }
      const now = this.deps.now();
      const meta: SessionMeta = current
        ? { type: "session", sessionId: current.sessionId, createdAt: current.createdAt, ts: now, ...settings }
        : newMeta(now, settings);
      const stamp = await this.deps.transcripts.appendMeta(p.key, meta);
      const entry: IndexEntry = current ? { ...current, settings, ...stamp } : SessionIndex.entryFrom(p.key, { meta, messages: [], firstLine: "", stamp });
      await this.deps.index.set(p.key, entry);
      return { ok: true as const, path: this.deps.transcripts.file(p.key), key: p.key, entry: publicEntry(entry) };
    });
  }

  /** A new transcript for the session (same settings); the old one is archived, not deleted. */
  async reset(key: string): Promise<Result<"sessions.reset">> {
    await this.stopRuns(key);
    return this.deps.transcripts.exclusive(key, async () => {
      const settings = this.deps.index.get(key)?.settings ?? {};
      const archived = await this.deps.transcripts.moveToArchive(key, "reset");
      const meta = newMeta(this.deps.now(), settings);
      const stamp = await this.deps.transcripts.appendMeta(key, meta);
      const entry = SessionIndex.entryFrom(key, { meta, messages: [], firstLine: "", stamp });
      await this.deps.index.set(key, entry);
      this.deps.log.info({ sessionKey: key, archived }, "session reset");
      return { ok: true as const, key, entry: publicEntry(entry), archived };
    });
  }

  /** Removes a session other than main: its transcript is archived, or deleted for good when asked. */
  async delete(key: string, deleteTranscript: boolean): Promise<Result<"sessions.delete">> {
    if (key === MAIN_SESSION_KEY) throw new GatewayError("params_invalid", "the main session cannot be deleted; reset it instead (sessions.reset)");
    await this.stopRuns(key);
    return this.deps.transcripts.exclusive(key, async () => {
      const existed = this.deps.index.get(key) !== undefined;
      const archived: string[] = [];
      let removed = false;
      if (deleteTranscript) removed = await this.deps.transcripts.remove(key);
      else {
        const path = await this.deps.transcripts.moveToArchive(key, "deleted");
        if (path) archived.push(path);
      }
      await this.deps.index.delete(key);
      this.deps.log.info({ sessionKey: key, archived, removed }, "session deleted");
      return { ok: true as const, key, deleted: existed || removed || archived.length > 0, archived };
    });
  }

  /** Keeps the newest `maxLines` lines; older ones go to an archive file. */
  async compact(key: string, maxLines = DEFAULT_COMPACT_LINES): Promise<Result<"sessions.compact">> {
    return this.deps.transcripts.exclusive(key, async () => {
      const current = this.deps.index.get(key);
      const lines = await this.deps.transcripts.lines(key);
      if (!current || lines.length === 0) throw new GatewayError("not_found", `no session ${key}; see sessions.list`);
      const body = lines.filter((l) => classifyLine(l).type !== "meta");
      if (body.length <= maxLines) {
        return { ok: true as const, key, compacted: false, kept: body.length, archivedLines: 0, archived: null, reason: `only ${body.length} lines (limit ${maxLines})` };
      }
      const older = body.slice(0, body.length - maxLines);
      const kept = body.slice(-maxLines);
      const archived = await this.deps.transcripts.writeArchive(key, "compact", older);
      // A header first, so the session keeps its id and settings (an old transcript may have had none).
      const meta: SessionMeta = { type: "session", sessionId: current.sessionId, createdAt: current.createdAt, ts: this.deps.now(), ...current.settings };
      const stamp = await this.deps.transcripts.rewrite(key, [JSON.stringify(meta), ...kept]);
      const t = await this.deps.transcripts.read(key);
      if (t) await this.deps.index.set(key, { ...SessionIndex.entryFrom(key, t), ...stamp });
      this.deps.log.info({ sessionKey: key, kept: kept.length, archivedLines: older.length, archived }, "session compacted");
      return { ok: true as const, key, compacted: true, kept: kept.length, archivedLines: older.length, archived };
    });
  }

  /** Adds a note to the transcript without running the agent; chat clients see it as a final message. */
  async inject(p: Params<"chat.inject">): Promise<Result<"chat.inject">> {
    const messageId = `inject-${randomUUID()}`;
    // The transcript keeps that it was injected (and its label); clients see an assistant message.
    const message = Object.assign(textMessage("assistant", p.message, this.deps.now(), { runId: messageId }), { injected: true, ...(p.label ? { label: p.label } : {}) });
    await this.deps.transcripts.append(p.sessionKey, message);
    this.deps.emitChat({ runId: messageId, sessionKey: p.sessionKey, seq: 0, state: "final", message });
    return { ok: true, messageId };
  }

  /** Aborts the session's runs and waits until they have written their last line. */
  private async stopRuns(key: string): Promise<void> {
    const ids = this.deps.runs.abort(key);
    await Promise.all(ids.map((id) => this.deps.runs.get(id)?.done));
  }
}

function publicEntry(e: IndexEntry): Entry {
  return { sessionId: e.sessionId, createdAt: e.createdAt, updatedAt: e.updatedAt, messageCount: e.messageCount, ...e.settings };
}

function shorten(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

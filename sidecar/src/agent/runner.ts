import { randomUUID } from "node:crypto";
import type { AgentEvent, ChatEvent } from "@clawdbot/protocol";
import type { Logger } from "pino";
import { causeText, type AgentBackend, type AgentTurn, type TokenUsage } from "./backend.js";
import { attachmentLabel, type Attachment } from "./attachments.js";
import type { UsageLedger } from "./usage.js";
import { textMessage, type TranscriptStore } from "../sessions/transcripts.js";

export type RunStatus = "queued" | "running" | "ok" | "error" | "aborted" | "timeout";

export interface RunRecord {
  readonly runId: string;
  readonly sessionKey: string;
  status: RunStatus;
  text: string;
  error?: string;
  startedAt?: number;
  endedAt?: number;
  /** Tokens the model reported for this run (absent for backends that report none). */
  usage?: TokenUsage;
  /** Resolves when the run has finished (any final status). */
  readonly done: Promise<RunRecord>;
}

export interface StartRun {
  sessionKey: string;
  message: string;
  timeoutMs?: number;
  /** Where `timeoutMs` came from, for the timeout message (e.g. "the request's timeout"). */
  timeoutSource?: string;
  channel?: string;
  senderName?: string;
  /** Files sent with the message. */
  attachments?: Attachment[];
  /** Queue lane: runs of one session and lane go one at a time (default "main"). */
  lane?: string;
  /** Where the turn came from (group, spawning session, …): kept on the transcript entry and in the start event. */
  context?: Record<string, string>;
  /** Called with the accumulated text on every delta (typing indicators, channel streaming). */
  onDelta?: (text: string) => void;
}

export interface RunnerDeps {
  backend: AgentBackend;
  transcripts: TranscriptStore;
  emitAgent: (ev: AgentEvent, droppable: boolean) => void;
  emitChat: (ev: ChatEvent, droppable: boolean) => void;
  now: () => number;
  log: Logger;
  defaultTimeoutMs: number;
  /** The config key `defaultTimeoutMs` comes from, named when a run times out. */
  timeoutSetting: string;
  historyTurns?: number;
  /** Where token usage is accounted. */
  usage?: UsageLedger;
  /** A session's model and thinking level (sessions.patch). */
  settings?: (sessionKey: string) => { model?: string; thinkingLevel?: string };
  /** System notes waiting for a session; written to its transcript before the next turn. */
  drainNotes?: (sessionKey: string) => string[];
}

interface Live {
  record: RunRecord;
  controller: AbortController;
  reason: "aborted" | "timeout" | null;
  /** Settles the run's `done` (once). */
  finish: () => void;
}

const FINISHED_KEEP = 1000;

/** Runs the agent one run at a time per session (later messages queue in order), streaming events. */
export class AgentRunner {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly live = new Map<string, Live>();
  private readonly finished = new Map<string, RunRecord>();

  constructor(private readonly deps: RunnerDeps) {}

  /** Swaps the backend for runs that start from now on (config reload). */
  setBackend(backend: RunnerDeps["backend"], defaultTimeoutMs: number, timeoutSetting: string): void {
    this.deps.backend = backend;
    this.deps.defaultTimeoutMs = defaultTimeoutMs;
    this.deps.timeoutSetting = timeoutSetting;
  }

  /** Queues a run for its session and returns its record at once. */
  start(req: StartRun): RunRecord {
    const runId = randomUUID();
    let resolveDone!: (r: RunRecord) => void;
    const done = new Promise<RunRecord>((r) => (resolveDone = r));
    const record: RunRecord = { runId, sessionKey: req.sessionKey, status: "queued", text: "", done };
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      this.live.delete(runId);
      this.remember(record);
      resolveDone(record);
    };
    const entry: Live = { record, controller: new AbortController(), reason: null, finish };
    this.live.set(runId, entry);
    const queue = req.lane && req.lane !== "main" ? `${req.sessionKey}\u0000${req.lane}` : req.sessionKey;
    const prev = this.tails.get(queue) ?? Promise.resolve();
    const tail = prev.then(() => (settled ? undefined : this.execute(entry, req))).then(finish);
    this.tails.set(queue, tail);
    void tail.then(() => {
      if (this.tails.get(queue) === tail) this.tails.delete(queue);
    });
    return record;
  }

  /** A run by id, live or recently finished. */
  get(runId: string): RunRecord | undefined {
    return this.live.get(runId)?.record ?? this.finished.get(runId);
  }

  /** The session of a run still queued or running; undefined once it ended (or never existed). */
  liveSession(runId: string): string | undefined {
    return this.live.get(runId)?.record.sessionKey;
  }

  /** Aborts the session's runs (or just `runId`); returns the ids aborted. */
  abort(sessionKey: string, runId?: string): string[] {
    const ids: string[] = [];
    for (const [id, e] of this.live) {
      if (e.record.sessionKey !== sessionKey || (runId !== undefined && id !== runId)) continue;
      e.reason = "aborted";
      e.controller.abort();
      ids.push(id);
      // A queued run ends now; it does not wait for the run ahead of it.
      if (e.record.status === "queued") this.endQueued(e);
    }
    return ids;
  }

  /** Aborts everything (shutdown). */
  abortAll(): void {
    for (const e of this.live.values()) {
      e.reason = "aborted";
      e.controller.abort();
    }
  }

  /** Resolves once every run started so far has finished (after abortAll: promptly). */
  async settled(): Promise<void> {
    await Promise.all([...this.live.values()].map((e) => e.record.done));
  }

  /** True while a run of this session is queued or running. */
  busy(sessionKey: string): boolean {
    return [...this.live.values()].some((e) => e.record.sessionKey === sessionKey);
  }

  private endQueued(e: Live): void {
    e.record.status = "aborted";
    e.record.error = "aborted";
    e.record.endedAt = this.deps.now();
    this.deps.emitChat({ runId: e.record.runId, sessionKey: e.record.sessionKey, seq: 0, state: "aborted" }, false);
    e.finish();
  }

  private remember(record: RunRecord): void {
    this.finished.set(record.runId, record);
    if (this.finished.size > FINISHED_KEEP) {
      const oldest = this.finished.keys().next();
      if (!oldest.done) this.finished.delete(oldest.value);
    }
  }

  private async execute(entry: Live, req: StartRun): Promise<void> {
    const { record, controller } = entry;
    const { now, transcripts, backend, log } = this.deps;
    let agentSeq = 0;
    let chatSeq = 0;
    const agentEv = (stream: AgentEvent["stream"], data: Record<string, unknown>, droppable = false) =>
      this.deps.emitAgent({ runId: record.runId, seq: agentSeq++, stream, ts: now(), data, sessionKey: record.sessionKey }, droppable);
    const chatEv = (state: ChatEvent["state"], extra: Partial<ChatEvent>, droppable = false) =>
      this.deps.emitChat({ runId: record.runId, sessionKey: record.sessionKey, seq: chatSeq++, state, ...extra }, droppable);

    if (controller.signal.aborted) {
      record.status = "aborted";
      record.endedAt = now();
      chatEv("aborted", {});
      return;
    }
    record.status = "running";
    record.startedAt = now();
    const timeoutMs = req.timeoutMs ?? this.deps.defaultTimeoutMs;
    const timer = setTimeout(() => {
      entry.reason = "timeout";
      controller.abort();
    }, timeoutMs);
    let accounted = false;
    const account = async () => {
      if (accounted) return;
      accounted = true;
      await this.account(backend, record);
    };
    agentEv("lifecycle", { phase: "start", startedAt: record.startedAt, ...(req.lane ? { lane: req.lane } : {}), ...(req.context ?? {}) });
    try {
      for (const note of this.deps.drainNotes?.(record.sessionKey) ?? []) {
        await transcripts.append(record.sessionKey, textMessage("system", note, record.startedAt));
      }
      const history = await this.history(record.sessionKey);
      const extra = { ...(req.channel ? { channel: req.channel } : {}), ...(req.senderName ? { senderName: req.senderName } : {}), ...(req.context ?? {}) };
      const files = req.attachments ?? [];
      const shown = [req.message, ...files.map(attachmentLabel)].filter(Boolean).join(" ");
      await transcripts.append(record.sessionKey, textMessage("user", shown, record.startedAt, extra));
      const { model, thinkingLevel } = this.deps.settings?.(record.sessionKey) ?? {};
      const request = {
        sessionKey: record.sessionKey,
        message: req.message,
        history,
        ...(files.length > 0 ? { attachments: files } : {}),
        ...(model ? { model } : {}),
        ...(thinkingLevel ? { thinkingLevel } : {}),
      };
      // An abort while the transcript was being written would never reach a backend that starts now.
      controller.signal.throwIfAborted();
      for await (const chunk of backend.run(request, controller.signal)) {
        if (chunk.kind === "status") {
          agentEv("tool", chunk.data, true);
          continue;
        }
        if (chunk.kind === "usage") {
          record.usage = addUsage(record.usage, chunk.usage);
          continue;
        }
        record.text += chunk.text;
        agentEv("assistant", { text: record.text, delta: chunk.text }, true);
        chatEv("delta", { message: textMessage("assistant", record.text, now()) }, true);
        req.onDelta?.(record.text);
      }
      if (controller.signal.aborted) throw controller.signal.reason ?? new Error("aborted");
      await account();
      record.status = "ok";
      record.endedAt = now();
      await transcripts.append(record.sessionKey, textMessage("assistant", record.text, record.endedAt, { runId: record.runId }));
      chatEv("final", { message: textMessage("assistant", record.text, record.endedAt, { runId: record.runId }) });
      agentEv("lifecycle", { phase: "end", status: "ok", endedAt: record.endedAt });
    } catch (err) {
      await account();
      record.endedAt = now();
      if (entry.reason !== null) {
        record.status = entry.reason;
        record.error = entry.reason === "timeout" ? this.timeoutMessage(timeoutMs, req) : "aborted";
        if (entry.reason === "timeout") chatEv("error", { errorMessage: record.error });
        else chatEv("aborted", record.text ? { message: textMessage("assistant", record.text, record.endedAt) } : {});
      } else {
        record.status = "error";
        record.error = `${backend.name} backend: ${causeText(err)}`;
        log.warn({ err, runId: record.runId, backend: backend.name }, "agent run failed");
        chatEv("error", { errorMessage: record.error });
      }
      // The failure is part of the conversation: after a reload the page and chat.history still show it.
      if (record.text || record.status !== "aborted") await this.recordEnd(record).catch((e: unknown) => log.warn({ err: e, runId: record.runId }, "could not record the failed run in the transcript"));
      agentEv("lifecycle", { phase: "end", status: record.status, endedAt: record.endedAt, ...(record.error ? { error: record.error } : {}) });
    } finally {
      clearTimeout(timer);
    }
  }

  /** "did not finish within 2 s (agent.timeoutMs = 2000)": the setting to change, and its value. */
  private timeoutMessage(ms: number, req: StartRun): string {
    const source = req.timeoutMs !== undefined ? (req.timeoutSource ?? "the request's timeout") : `${this.deps.timeoutSetting} = ${ms}`;
    const hint = req.timeoutMs !== undefined ? "ask for a longer one" : `raise ${this.deps.timeoutSetting} in clawdbot.json`;
    return `the agent did not finish within ${seconds(ms)} (${source}); ${hint}`;
  }

  /** The reply as far as it got, with how and why it ended. */
  private recordEnd(record: RunRecord): Promise<void> {
    return this.deps.transcripts.append(
      record.sessionKey,
      textMessage("assistant", record.text, record.endedAt ?? this.deps.now(), {
        runId: record.runId,
        stopReason: record.status === "queued" || record.status === "running" ? "error" : record.status,
        ...(record.error && record.status !== "aborted" ? { errorMessage: record.error } : {}),
      }),
    );
  }

  /** Accounts the run's usage before anyone hears it ended (a finished run has nothing left to write). */
  private async account(backend: AgentBackend, record: RunRecord): Promise<void> {
    await this.deps.usage?.record(backend.name, backend.model ?? backend.name, record.usage).catch((err: unknown) => this.deps.log.warn({ err, runId: record.runId }, "usage not recorded"));
  }

  private async history(sessionKey: string): Promise<AgentTurn[]> {
    const msgs = await this.deps.transcripts.history(sessionKey, this.deps.historyTurns ?? 40);
    // A failed run left only its error: the model should not see an empty reply.
    return msgs.filter((m) => !(m.role === "assistant" && m.content.every((c) => c.text === "") && "stopReason" in m)).map((m) => ({ role: m.role, text: m.content.map((c) => c.text).join("") }));
  }
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

function addUsage(a: TokenUsage | undefined, b: TokenUsage): TokenUsage {
  if (!a) return { ...b };
  const cost = a.cost !== undefined || b.cost !== undefined ? (a.cost ?? 0) + (b.cost ?? 0) : undefined;
  return {
    input: a.input + b.input,
    output: a.output + b.output,
    cacheRead: a.cacheRead + b.cacheRead,
    cacheWrite: a.cacheWrite + b.cacheWrite,
    ...(cost !== undefined ? { cost } : {}),
  };
}

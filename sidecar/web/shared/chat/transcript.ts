// What a chat page shows for one session: the server's history, then what happened since it was
// loaded (messages this page sent, replies streaming in). History is the truth: reloading it
// drops everything that it now contains.

import type { EventPayload } from "@clawdbot/protocol/browser";

/**
 * "sending" | "failed" | "sent" (own messages), "pending" | "streaming" | "final" | "aborted" |
 * "error" (replies), or "final" for history.
 */
export type ItemState = "sending" | "failed" | "sent" | "pending" | "streaming" | "final" | "aborted" | "error";

export interface Item {
  key: string;
  role: "user" | "assistant" | "system";
  text: string;
  state: ItemState;
  timestamp?: number;
  errorMessage?: string;
  runId?: string;
}

export interface OwnItem extends Item {
  idempotencyKey: string;
}

interface Run extends Item {
  runId: string;
  lastSeq: number;
  own: boolean;
  seen?: boolean;
}

/** A stored or streamed message: `{role, content:[{type:"text", text}], timestamp?, runId?}`. */
export interface ChatMessage {
  role?: unknown;
  content?: unknown;
  timestamp?: unknown;
  runId?: unknown;
  /** How a stored reply ended: "error", "timeout", "aborted", or a normal stop. */
  stopReason?: unknown;
  errorMessage?: unknown;
}

export type ChatEvent = EventPayload<"chat">;

const ACTIVE: ReadonlySet<ItemState> = new Set<ItemState>(["pending", "streaming"]);
const ROLES: ReadonlySet<unknown> = new Set(["user", "assistant", "system"]);

/** The text blocks of a message, joined (images and tool blocks are left out). */
export function textOf(message: unknown): string {
  const content = (message as ChatMessage | undefined)?.content;
  if (!Array.isArray(content)) return "";
  return content
    .filter((c): c is { type: "text"; text: string } => c && c.type === "text" && typeof c.text === "string")
    .map((c) => c.text)
    .join("");
}

function historyState(stopReason: unknown): ItemState {
  if (stopReason === "error" || stopReason === "timeout") return "error";
  return stopReason === "aborted" ? "aborted" : "final";
}

export class Transcript {
  private history: Item[] = [];
  /** Own messages and replies since the history was loaded, in display order. */
  private live: Item[] = [];
  private readonly runs = new Map<string, Run>();
  private seq = 0;

  constructor(readonly sessionKey: string) {}

  /** Replaces the history with `chat.history`'s messages; keeps only what it cannot contain yet. */
  setHistory(messages: readonly unknown[]): void {
    this.history = (messages as ChatMessage[])
      .filter((m) => m && ROLES.has(m.role))
      .map((m, i) => ({
        key: `h${i}`,
        role: m.role as Item["role"],
        text: textOf(m),
        // A reply that failed, timed out or was stopped keeps saying so after a reload.
        state: historyState(m.stopReason),
        ...(typeof m.errorMessage === "string" && m.errorMessage ? { errorMessage: m.errorMessage } : {}),
        ...(typeof m.timestamp === "number" ? { timestamp: m.timestamp } : {}),
        ...(typeof m.runId === "string" ? { runId: m.runId } : {}),
      }));
    const inHistory = new Set(this.history.map((m) => m.runId).filter(Boolean));
    this.live = this.live.filter((item) => {
      if (item.role === "user") return item.state !== "sent" || this.waiting(item.runId);
      return ACTIVE.has(item.state) && !inHistory.has(item.runId);
    });
    for (const [runId, run] of this.runs) if (!this.live.includes(run)) this.runs.delete(runId);
  }

  /** A message typed here, shown at once while chat.send is on its way. */
  addOwn(text: string, idempotencyKey: string, now = Date.now()): OwnItem {
    const item: OwnItem = { key: `u${++this.seq}`, role: "user", text, state: "sending", timestamp: now, idempotencyKey };
    this.live.push(item);
    return item;
  }

  /** chat.send answered: the reply (run) belongs right after the message. */
  sent(item: Item, runId: string): void {
    item.state = "sent";
    item.runId = runId;
    let run = this.runs.get(runId);
    if (run) this.live.splice(this.live.indexOf(run), 1);
    else {
      run = { key: `r${runId}`, role: "assistant", text: "", state: "pending", runId, lastSeq: -1, own: true };
      this.runs.set(runId, run);
    }
    run.own = true;
    this.live.splice(this.live.indexOf(item) + 1, 0, run);
  }

  failed(item: Item, errorMessage: string): void {
    item.state = "failed";
    item.errorMessage = errorMessage;
  }

  /** Messages waiting for a connection to be sent (again) with their idempotency key. */
  unsent(): OwnItem[] {
    return this.live.filter((item): item is OwnItem => item.role === "user" && item.state === "sending");
  }

  /** Applies a `chat` event; returns what changed: null (ignored) or {run, finished}. */
  apply(ev: ChatEvent | null | undefined): { run: Item & { own: boolean }; finished: boolean } | null {
    if (!ev || ev.sessionKey !== this.sessionKey || typeof ev.runId !== "string") return null;
    let run = this.runs.get(ev.runId);
    if (!run) {
      run = { key: `r${ev.runId}`, role: "assistant", text: "", state: "pending", runId: ev.runId, lastSeq: -1, own: false };
      this.runs.set(ev.runId, run);
      this.live.push(run);
    }
    if (!ACTIVE.has(run.state) || (typeof ev.seq === "number" && ev.seq <= run.lastSeq)) return null;
    if (typeof ev.seq === "number") run.lastSeq = ev.seq;
    run.seen = true;
    if (ev.message) {
      run.text = textOf(ev.message);
      const ts = (ev.message as ChatMessage).timestamp;
      if (typeof ts === "number") run.timestamp = ts;
    }
    if (ev.state === "delta") run.state = "streaming";
    else if (ev.state === "final" || ev.state === "aborted") run.state = ev.state;
    else if (ev.state === "error") {
      run.state = "error";
      run.errorMessage = ev.errorMessage || "the agent failed";
    } else return null;
    return { run, finished: !ACTIVE.has(run.state) };
  }

  /** Replies still shown as queued or streaming: after a reconnect their end may have been missed. */
  activeRunIds(): string[] {
    return this.live.filter((item) => item.role === "assistant" && ACTIVE.has(item.state) && item.runId).map((item) => item.runId!);
  }

  /** Ends a reply whose last event was missed (state from agent.wait); false if it had already ended. */
  settle(runId: string, state: ItemState, end: { text?: string | undefined; errorMessage?: string | undefined } = {}): boolean {
    const run = this.runs.get(runId);
    if (!run || !ACTIVE.has(run.state)) return false;
    run.state = state;
    if (end.text) run.text = end.text;
    if (end.errorMessage) run.errorMessage = end.errorMessage;
    return true;
  }

  /** True while any reply of this session is queued or streaming (the abort button shows). */
  active(): boolean {
    return this.live.some((item) => ACTIVE.has(item.state));
  }

  items(): Item[] {
    return [...this.history, ...this.live];
  }

  /** A sent message whose run has produced nothing yet: the gateway may not have stored it yet. */
  private waiting(runId: string | undefined): boolean {
    const run = runId === undefined ? undefined : this.runs.get(runId);
    return run !== undefined && ACTIVE.has(run.state) && !run.seen;
  }
}

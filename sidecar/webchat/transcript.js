// What the page shows for one session: the server's history, then what happened since it was
// loaded (messages this page sent, replies streaming in). History is the truth: reloading it
// drops everything that it now contains.
//
// An item: {key, role, text, state, timestamp?, errorMessage?}; state is one of
// "sending" | "failed" | "sent" (own messages), "pending" | "streaming" | "final" | "aborted" |
// "error" (replies), or "final" for history.

const ACTIVE = new Set(["pending", "streaming"]);

export function textOf(message) {
  if (!message || !Array.isArray(message.content)) return "";
  return message.content
    .filter((c) => c && c.type === "text" && typeof c.text === "string")
    .map((c) => c.text)
    .join("");
}

export class Transcript {
  constructor(sessionKey) {
    this.sessionKey = sessionKey;
    this.history = [];
    /** Own messages and replies since the history was loaded, in display order. */
    this.live = [];
    this.runs = new Map();
    this.seq = 0;
  }

  /** Replaces the history with `chat.history`'s messages; keeps only what it cannot contain yet. */
  setHistory(messages) {
    this.history = messages
      .filter((m) => m && (m.role === "user" || m.role === "assistant" || m.role === "system"))
      .map((m, i) => ({
        key: `h${i}`,
        role: m.role,
        text: textOf(m),
        // A reply that failed, timed out or was stopped keeps saying so after a reload.
        state: m.stopReason === "error" || m.stopReason === "timeout" ? "error" : m.stopReason === "aborted" ? "aborted" : "final",
        ...(typeof m.errorMessage === "string" && m.errorMessage ? { errorMessage: m.errorMessage } : {}),
        timestamp: m.timestamp,
        runId: m.runId,
      }));
    const inHistory = new Set(this.history.map((m) => m.runId).filter(Boolean));
    this.live = this.live.filter((item) => {
      if (item.role === "user") return item.state !== "sent" || this.waiting(item.runId);
      return ACTIVE.has(item.state) && !inHistory.has(item.runId);
    });
    for (const [runId, run] of this.runs) if (!this.live.includes(run)) this.runs.delete(runId);
  }

  /** A message typed here, shown at once while chat.send is on its way. */
  addOwn(text, idempotencyKey, now = Date.now()) {
    const item = { key: `u${++this.seq}`, role: "user", text, state: "sending", timestamp: now, idempotencyKey };
    this.live.push(item);
    return item;
  }

  /** chat.send answered: the reply (run) belongs right after the message. */
  sent(item, runId) {
    item.state = "sent";
    item.runId = runId;
    let run = this.runs.get(runId);
    if (run) this.live.splice(this.live.indexOf(run), 1);
    else {
      run = { key: `r${runId}`, role: "assistant", text: "", state: "pending", runId, lastSeq: -1 };
      this.runs.set(runId, run);
    }
    run.own = true;
    this.live.splice(this.live.indexOf(item) + 1, 0, run);
  }

  failed(item, errorMessage) {
    item.state = "failed";
    item.errorMessage = errorMessage;
  }

  /** Messages waiting for a connection to be sent (again) with their idempotency key. */
  unsent() {
    return this.live.filter((item) => item.role === "user" && item.state === "sending");
  }

  /** Applies a `chat` event; returns what changed: null (ignored) or {run, finished}. */
  apply(ev) {
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
      if (typeof ev.message.timestamp === "number") run.timestamp = ev.message.timestamp;
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
  activeRunIds() {
    return this.live.filter((item) => item.role === "assistant" && ACTIVE.has(item.state)).map((item) => item.runId);
  }

  /** Ends a reply whose last event was missed (state from agent.wait); false if it had already ended. */
  settle(runId, state, { text, errorMessage } = {}) {
    const run = this.runs.get(runId);
    if (!run || !ACTIVE.has(run.state)) return false;
    run.state = state;
    if (text) run.text = text;
    if (errorMessage) run.errorMessage = errorMessage;
    return true;
  }

  /** True while any reply of this session is queued or streaming (the abort button shows). */
  active() {
    return this.live.some((item) => ACTIVE.has(item.state));
  }

  items() {
    return [...this.history, ...this.live];
  }

  /** A sent message whose run has produced nothing yet: the gateway may not have stored it yet. */
  waiting(runId) {
    const run = this.runs.get(runId);
    return run !== undefined && ACTIVE.has(run.state) && !run.seen;
  }
}

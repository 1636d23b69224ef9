// What a chat page shows (sidecar/web/shared/chat/transcript.ts): history, own messages, streamed replies.
import { test } from "node:test";
import assert from "node:assert/strict";
import { transcriptModule, type ChatEvent, type ChatMessage, type Transcript } from "./support/modules.js";

const { Transcript: TranscriptClass, textOf } = transcriptModule;

const msg = (role: string, text: string, extra: Partial<ChatMessage> = {}): ChatMessage => ({ role, content: [{ type: "text", text }], timestamp: 1000, ...extra });
const ev = (runId: string, seq: number, state: ChatEvent["state"], text?: string, extra: Partial<ChatEvent> = {}): ChatEvent => ({
  runId,
  sessionKey: "main",
  seq,
  state,
  ...(text !== undefined ? { message: msg("assistant", text) } : {}),
  ...extra,
});
const view = (tr: Transcript) => tr.items().map((i) => `${i.role}:${i.state}:${i.text}`);

test("history renders user and assistant messages in order, text blocks joined", () => {
  const tr = new TranscriptClass("main");
  tr.setHistory([
    msg("user", "hi"),
    { role: "assistant", content: [{ type: "text", text: "hel" }, { type: "image", text: "x" }, { type: "text", text: "lo" }], timestamp: 2 },
    { role: "tool", content: [], timestamp: 3 },
  ]);
  assert.deepEqual(view(tr), ["user:final:hi", "assistant:final:hello"]);
  assert.equal(textOf(undefined), "");
});

test("an own message shows at once, then its reply streams (deltas carry the whole text) and final replaces it", () => {
  const tr = new TranscriptClass("main");
  const item = tr.addOwn("ping", "k1");
  assert.deepEqual(view(tr), ["user:sending:ping"]);
  assert.equal(tr.active(), false);
  tr.sent(item, "run-1");
  assert.deepEqual(view(tr), ["user:sent:ping", "assistant:pending:"]);
  assert.equal(tr.active(), true);
  assert.deepEqual(tr.apply(ev("run-1", 0, "delta", "ec"))?.finished, false);
  assert.deepEqual(view(tr), ["user:sent:ping", "assistant:streaming:ec"]);
  tr.apply(ev("run-1", 1, "delta", "echo: pi"));
  const done = tr.apply(ev("run-1", 2, "final", "echo: ping"));
  assert.equal(done?.finished, true);
  assert.equal(done?.run.own, true);
  assert.deepEqual(view(tr), ["user:sent:ping", "assistant:final:echo: ping"]);
  assert.equal(tr.active(), false);
});

test("stale, repeated or foreign-session events are ignored; nothing changes after the end of a run", () => {
  const tr = new TranscriptClass("main");
  tr.apply(ev("r", 3, "delta", "abc"));
  assert.equal(tr.apply(ev("r", 2, "delta", "ab")), null);
  assert.equal(tr.apply(ev("r", 3, "delta", "abc")), null);
  assert.equal(tr.apply({ ...ev("r", 9, "delta", "zzz"), sessionKey: "other" }), null);
  tr.apply(ev("r", 4, "final", "abcd"));
  assert.equal(tr.apply(ev("r", 5, "delta", "late")), null);
  assert.deepEqual(view(tr), ["assistant:final:abcd"]);
});

test("aborted keeps the text so far; error shows the gateway's message", () => {
  const tr = new TranscriptClass("main");
  tr.apply(ev("a", 0, "delta", "partial"));
  tr.apply(ev("a", 1, "aborted"));
  tr.apply(ev("b", 0, "error", undefined, { errorMessage: "the agent did not finish in time" }));
  tr.apply(ev("c", 0, "error"));
  assert.deepEqual(
    tr.items().map((i) => [i.state, i.text, i.errorMessage]),
    [
      ["aborted", "partial", undefined],
      ["error", "", "the agent did not finish in time"],
      ["error", "", "the agent failed"],
    ],
  );
});

test("a reply whose events arrive before chat.send's answer still lands right after its message", () => {
  const tr = new TranscriptClass("main");
  const first = tr.addOwn("one", "k1");
  tr.addOwn("two", "k2");
  tr.apply(ev("r1", 0, "final", "echo: one"));
  assert.equal(tr.items().at(-1)?.text, "echo: one");
  tr.sent(first, "r1");
  assert.deepEqual(view(tr), ["user:sent:one", "assistant:final:echo: one", "user:sending:two"]);
});

test("reloading history drops what it now contains and keeps what it cannot contain yet", () => {
  const tr = new TranscriptClass("main");
  const a = tr.addOwn("done", "k1");
  tr.sent(a, "r1");
  tr.apply(ev("r1", 0, "final", "echo: done"));
  const b = tr.addOwn("streaming", "k2");
  tr.sent(b, "r2");
  tr.apply(ev("r2", 0, "delta", "echo: str"));
  const c = tr.addOwn("queued", "k3");
  tr.sent(c, "r3");
  tr.addOwn("unsent", "k4");
  const d = tr.addOwn("refused", "k5");
  tr.failed(d, "not sent: too long");

  tr.setHistory([msg("user", "done"), msg("assistant", "echo: done", { runId: "r1" }), msg("user", "streaming")]);
  assert.deepEqual(view(tr), [
    "user:final:done",
    "assistant:final:echo: done",
    "user:final:streaming",
    "assistant:streaming:echo: str",
    "user:sent:queued",
    "assistant:pending:",
    "user:sending:unsent",
    "user:failed:refused",
  ]);
  assert.deepEqual(tr.unsent().map((i) => [i.text, i.idempotencyKey]), [["unsent", "k4"]]);

  // The streaming run finished while we were away: history has it, the live copy goes.
  tr.setHistory([
    msg("user", "done"),
    msg("assistant", "echo: done", { runId: "r1" }),
    msg("user", "streaming"),
    msg("assistant", "echo: streaming", { runId: "r2" }),
    msg("user", "queued"),
  ]);
  assert.equal(view(tr).filter((l) => l.includes("echo: str")).length, 1);
  assert.ok(view(tr).includes("assistant:final:echo: streaming"));
});

test("item keys are stable across updates (the page moves and updates elements, it does not rebuild them)", () => {
  const tr = new TranscriptClass("main");
  const own = tr.addOwn("x", "k");
  const key = own.key;
  tr.sent(own, "r");
  const runKey = tr.items()[1]!.key;
  tr.apply(ev("r", 0, "delta", "a"));
  tr.apply(ev("r", 1, "final", "ab"));
  assert.deepEqual(tr.items().map((i) => i.key), [key, runKey]);
  assert.equal(new Set(tr.items().map((i) => i.key)).size, 2);
});

test("a reply whose end was missed while disconnected can be settled from agent.wait", () => {
  const tr = new TranscriptClass("main");
  const own = tr.addOwn("x", "k");
  tr.sent(own, "r1");
  tr.apply(ev("r1", 0, "delta", "par"));
  tr.apply(ev("r2", 0, "delta", "other"));
  tr.apply(ev("r3", 0, "final", "done"));
  assert.deepEqual(tr.activeRunIds(), ["r1", "r2"]);
  assert.equal(tr.settle("r1", "final", { text: "partial and more" }), true);
  assert.equal(tr.settle("r2", "error", { errorMessage: "lost" }), true);
  assert.equal(tr.settle("r3", "error"), false, "an ended reply stays as it ended");
  assert.equal(tr.settle("nope", "final"), false);
  assert.deepEqual(view(tr), ["user:sent:x", "assistant:final:partial and more", "assistant:error:other", "assistant:final:done"]);
  assert.equal(tr.active(), false);
});

test("a stored reply that failed, timed out or was stopped keeps saying so after a reload", () => {
  const tr = new TranscriptClass("main");
  tr.setHistory([
    { ...msg("assistant", "partial"), stopReason: "aborted" },
    { ...msg("assistant", ""), stopReason: "error", errorMessage: "the backend exited with 1" },
    { ...msg("assistant", ""), stopReason: "timeout" },
    { ...msg("assistant", "done"), stopReason: "stop" },
  ] as ChatMessage[]);
  assert.deepEqual(view(tr), ["assistant:aborted:partial", "assistant:error:", "assistant:error:", "assistant:final:done"]);
  assert.equal(tr.items()[1]?.errorMessage, "the backend exited with 1");
});

// Helpers for agent/chat tests over a real WebSocket: start a gateway with an agent backend,
// run `agent` and `chat.send`, and read the `agent`/`chat` events of one run.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { TestContext } from "node:test";
import { EVENTS, METHODS, check, formatIssues, type ChatEvent, type AgentEvent, type MethodName } from "@clawdbot/protocol";
import type { ConfigFile } from "@clawdbot/sidecar";
import { startGateway, type StartOptions, type TestGateway } from "../support/gateway.js";
import { connectRaw, type Frame, type RawClient } from "../support/raw-client.js";

export type ChatFrame = Frame & { payload: ChatEvent };
/** An `agent` event with its open `data` object readable by key. */
export type AgentEv = Omit<AgentEvent, "data"> & { data: Record<string, unknown> };
export type AgentFrame = Frame & { payload: AgentEv };

/** A gateway stopped when the test ends. */
export async function gatewayFor(t: TestContext, opts: StartOptions = {}): Promise<TestGateway> {
  const gw = await startGateway(opts);
  t.after(() => gw.stop());
  return gw;
}

/** An operator UI client (receives `agent` and `chat` broadcasts), closed when the test ends. */
export async function uiClient(t: TestContext, gw: TestGateway): Promise<RawClient> {
  const { client, res } = await connectRaw(gw.url, { mode: "ui" });
  assert.equal(res.ok, true, JSON.stringify(res));
  t.after(() => client.close());
  return client;
}

/** The openai backend pointed at a fake, with its key read from `MY_KEY`. */
export function openaiConfig(baseUrl: string, extra: NonNullable<ConfigFile["agent"]> = {}): ConfigFile {
  return { agent: { backend: "openai", openai: { baseUrl, model: "m", apiKeyEnv: "MY_KEY" }, ...extra } };
}

/** The command backend running `node -e <script>`. */
export function commandConfig(script: string, timeoutMs?: number): ConfigFile {
  return { agent: { backend: "command", command: { argv: [process.execPath, "-e", script], ...(timeoutMs !== undefined ? { timeoutMs } : {}) } } };
}

/** Asserts a response succeeded and its payload matches the method's declared result schema. */
export function okResult<T = Record<string, unknown>>(method: MethodName, res: Frame): T {
  assert.equal(res.ok, true, `${method} failed: ${JSON.stringify(res.error)}`);
  const c = check(METHODS[method].result, res.payload);
  assert.ok(c.ok, `${method} result does not match its schema: ${c.ok ? "" : formatIssues(c.issues)} in ${JSON.stringify(res.payload)}`);
  return res.payload as T;
}

/** chat.send with a fresh idempotency key; returns {runId, status}. */
export async function chatSend(c: RawClient, sessionKey: string, message: string, extra: Record<string, unknown> = {}): Promise<{ runId: string; status: string }> {
  const res = await c.request("chat.send", { sessionKey, message, idempotencyKey: randomUUID(), ...extra });
  return okResult("chat.send", res);
}

export async function chatHistory(c: RawClient, sessionKey: string): Promise<{ role: string; text: string; runId?: string }[]> {
  const res = await c.request("chat.history", { sessionKey });
  const payload = okResult<{ messages: { role: string; content: { text: string }[]; runId?: string }[] }>("chat.history", res);
  return payload.messages.map((m) => ({ role: m.role, text: m.content.map((b) => b.text).join(""), ...(m.runId ? { runId: m.runId } : {}) }));
}

/** Starts `agent` and returns the request id and its "accepted" payload; `final()` waits for the second response. */
export async function startAgent(c: RawClient, params: Record<string, unknown>): Promise<{ id: string; accepted: Frame; final: (ms?: number) => Promise<Frame> }> {
  const accepted = await c.request("agent", { idempotencyKey: randomUUID(), ...params });
  const id = accepted.id!;
  return { id, accepted, final: (ms = 10_000) => finalResponse(c, id, ms) };
}

/** The second (non-"accepted") response to a two-phase request. */
export function finalResponse(c: RawClient, id: string, ms = 10_000): Promise<Frame> {
  return c.next((f) => f.type === "res" && f.id === id && !isAccepted(f), ms);
}

export function isAccepted(f: Frame): boolean {
  return f.ok === true && (f.payload as { status?: unknown } | undefined)?.status === "accepted";
}

export function chatEvents(c: RawClient, runId: string): ChatFrame[] {
  return c.frames.filter((f): f is ChatFrame => f.type === "event" && f.event === "chat" && (f.payload as ChatEvent).runId === runId);
}

export function agentEvents(c: RawClient, runId?: string): AgentFrame[] {
  return c.frames.filter((f): f is AgentFrame => f.type === "event" && f.event === "agent" && (runId === undefined || (f.payload as AgentEv).runId === runId));
}

const TERMINAL = new Set(["final", "aborted", "error"]);

/** Waits for the run's last `chat` event (final, aborted or error). */
export async function chatEnd(c: RawClient, runId: string, ms = 10_000): Promise<ChatEvent> {
  const f = await c.next((f) => f.type === "event" && f.event === "chat" && (f.payload as ChatEvent).runId === runId && TERMINAL.has((f.payload as ChatEvent).state), ms);
  return f.payload as ChatEvent;
}

/** Waits until the run's accumulated assistant text (agent event, stream "assistant") equals `text`. */
export async function assistantText(c: RawClient, runId: string, text: string, ms = 10_000): Promise<AgentEv> {
  const f = await c.next((f) => {
    const p = f.payload as AgentEv | undefined;
    return f.type === "event" && f.event === "agent" && p?.runId === runId && p.stream === "assistant" && p.data["text"] === text;
  }, ms);
  return f.payload as AgentEv;
}

/** The first text block of a chat message (events carry `message` as unknown). */
export function messageText(message: unknown): string {
  const m = message as { content?: { text?: string }[] } | undefined;
  return (m?.content ?? []).map((b) => b.text ?? "").join("");
}

/** Every `agent` and `chat` event recorded by `c` matches its schema. */
export function assertEventsValid(c: RawClient): void {
  for (const f of c.frames) {
    if (f.type !== "event" || (f.event !== "agent" && f.event !== "chat")) continue;
    const r = check(EVENTS[f.event], f.payload);
    assert.ok(r.ok, `${f.event} event does not match its schema: ${r.ok ? "" : formatIssues(r.issues)} in ${JSON.stringify(f.payload)}`);
  }
}

/** Seqs of one run's events of one kind start at 0 and increase by one. */
export function assertSeqs(frames: readonly (ChatFrame | AgentFrame)[]): void {
  assert.deepEqual(
    frames.map((f) => f.payload.seq),
    frames.map((_, i) => i),
  );
}

/** True while a process with this pid exists and is not a zombie (Linux /proc; kill(0) elsewhere). */
export async function alive(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT" && process.platform === "linux") return false;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export { eventually } from "../support/wait.js";

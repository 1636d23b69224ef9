import type { Attachment } from "./attachments.js";

/** Tokens (and, when the provider says, cost in USD) one model call used. */
export interface TokenUsage {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  cost?: number;
}

/** One piece of a streaming agent reply. */
export type AgentChunk =
  | { kind: "delta"; text: string }
  | { kind: "status"; data: Record<string, unknown> }
  | { kind: "usage"; usage: TokenUsage };

export interface AgentTurn {
  role: "user" | "assistant" | "system";
  text: string;
}

export interface AgentRequest {
  sessionKey: string;
  message: string;
  /** Earlier turns of the session, oldest first (excluding `message`). */
  history: AgentTurn[];
  systemPrompt?: string;
  /** Files sent with `message` (images reach vision models). */
  attachments?: Attachment[];
  /** The session's model, when it picked one (backends that serve one model ignore it). */
  model?: string;
  /** The session's thinking level (`off`…`high`), passed to backends that reason. */
  thinkingLevel?: string;
}

/** An agent implementation: streams a reply and stops promptly when `signal` aborts. */
export interface AgentBackend {
  readonly name: string;
  /** The model it calls, for usage accounting (the backend's name when there is none). */
  readonly model?: string;
  run(req: AgentRequest, signal: AbortSignal): AsyncIterable<AgentChunk>;
}

/** An error and its causes in one line (`fetch failed: connect ECONNREFUSED 127.0.0.1:9`), so the root cause reaches the user. */
export function causeText(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    const message = e instanceof Error ? e.message : String(e);
    if (message && !parts.some((p) => p.includes(message))) parts.push(message);
    e = (e as { cause?: unknown }).cause;
  }
  return parts.join(": ") || "unknown error";
}

/** The backend failed; the message is shown to users. */
export class AgentBackendError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AgentBackendError";
  }
}

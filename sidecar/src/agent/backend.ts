/** One piece of a streaming agent reply. */
export type AgentChunk = { kind: "delta"; text: string } | { kind: "status"; data: Record<string, unknown> };

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
}

/** An agent implementation: streams a reply and stops promptly when `signal` aborts. */
export interface AgentBackend {
  readonly name: string;
  run(req: AgentRequest, signal: AbortSignal): AsyncIterable<AgentChunk>;
}

/** The backend failed; the message is shown to users. */
export class AgentBackendError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AgentBackendError";
  }
}

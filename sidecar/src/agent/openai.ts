import { AgentBackendError, causeText, type AgentBackend, type AgentChunk, type AgentRequest, type TokenUsage } from "./backend.js";

export interface OpenAIOptions {
  baseUrl: string;
  model: string;
  apiKey: string | undefined;
  systemPrompt?: string;
  /** Injected for tests and proxies; defaults to global fetch. */
  fetch?: typeof fetch;
}

/** Any OpenAI-compatible chat-completions endpoint with SSE streaming (OpenAI, Ollama, llama.cpp, vLLM). */
export class OpenAIBackend implements AgentBackend {
  readonly name = "openai";
  constructor(private readonly opts: OpenAIOptions) {}

  get model(): string {
    return this.opts.model;
  }

  async *run(req: AgentRequest, signal: AbortSignal): AsyncIterable<AgentChunk> {
    const doFetch = this.opts.fetch ?? fetch;
    const system = req.systemPrompt ?? this.opts.systemPrompt;
    const messages = [
      ...(system ? [{ role: "system", content: system }] : []),
      ...req.history.map((t) => ({ role: t.role, content: t.text })),
      { role: "user", content: userContent(req) },
    ];
    const url = `${this.opts.baseUrl.replace(/\/+$/, "")}/chat/completions`;
    const res = await doFetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "text/event-stream",
        ...(this.opts.apiKey ? { authorization: `Bearer ${this.opts.apiKey}` } : {}),
      },
      body: JSON.stringify({
        model: req.model ?? this.opts.model,
        messages,
        stream: true,
        stream_options: { include_usage: true },
        ...(req.thinkingLevel && req.thinkingLevel !== "off" ? { reasoning_effort: req.thinkingLevel } : {}),
      }),
      signal,
    }).catch((err: unknown) => {
      if (signal.aborted) throw err;
      throw new AgentBackendError(`cannot reach the model endpoint ${url} (agent.openai.baseUrl): ${networkReason(err)}`);
    });
    if (!res.ok || !res.body) {
      const detail = (await res.text().catch(() => "")).slice(0, 300);
      const hint = res.status === 401 || res.status === 403 ? " (check the API key: agent.openai.apiKeyEnv names the variable it is read from)" : "";
      throw new AgentBackendError(`model endpoint answered ${res.status}${hint}${detail ? `: ${detail}` : ""}`);
    }
    for await (const data of sseData(res.body, signal)) {
      if (data === "[DONE]") return;
      const event = parseEvent(data);
      // OpenRouter, vLLM and llama.cpp report failures inside the stream.
      if (event?.error) throw new AgentBackendError(`model endpoint failed mid-stream: ${errorText(event.error)}`);
      const text = event?.choices?.[0]?.delta?.content;
      if (typeof text === "string" && text) yield { kind: "delta", text };
      const usage = readUsage(event?.usage);
      if (usage) yield { kind: "usage", usage };
    }
  }
}

/** Yields the `data:` payloads of a server-sent event stream. */
export async function* sseData(body: ReadableStream<Uint8Array>, signal: AbortSignal): AsyncIterable<string> {
  const decoder = new TextDecoder();
  let buf = "";
  const reader = body.getReader();
  const onAbort = () => void reader.cancel().catch(() => undefined);
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += decoder.decode(value, { stream: true });
      let idx: number;
      while ((idx = buf.search(/\r?\n\r?\n/)) !== -1) {
        const event = buf.slice(0, idx);
        buf = buf.slice(idx).replace(/^\r?\n\r?\n/, "");
        const data = event
          .split(/\r?\n/)
          .filter((l) => l.startsWith("data:"))
          .map((l) => l.slice(5).replace(/^ /, ""))
          .join("\n");
        if (data) yield data;
      }
    }
  } finally {
    signal.removeEventListener("abort", onAbort);
    reader.releaseLock();
  }
  signal.throwIfAborted();
}

interface StreamEvent {
  choices?: { delta?: { content?: unknown } }[];
  error?: unknown;
  usage?: unknown;
}

/** Plain text, or text and images as content parts (OpenAI's vision format) when files came along. */
function userContent(req: AgentRequest): string | unknown[] {
  const files = req.attachments ?? [];
  if (files.length === 0) return req.message;
  return [
    ...(req.message ? [{ type: "text", text: req.message }] : []),
    ...files.map((f) =>
      f.mimeType.startsWith("image/")
        ? { type: "image_url", image_url: { url: `data:${f.mimeType};base64,${f.data}` } }
        : { type: "text", text: `[attached ${f.mimeType}${f.fileName ? ` ${f.fileName}` : ""}, not shown]` },
    ),
  ];
}

/** OpenAI-compatible `usage` ({prompt_tokens, completion_tokens, prompt_tokens_details.cached_tokens, cost?}). */
function readUsage(raw: unknown): TokenUsage | undefined {
  if (raw === null || typeof raw !== "object") return undefined;
  const u = raw as Record<string, unknown>;
  const n = (v: unknown) => (typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : 0);
  const cached = n((u["prompt_tokens_details"] as Record<string, unknown> | undefined)?.["cached_tokens"]);
  const cost = u["cost"];
  return {
    input: Math.max(0, n(u["prompt_tokens"]) - cached),
    output: n(u["completion_tokens"]),
    cacheRead: cached,
    cacheWrite: 0,
    ...(typeof cost === "number" && Number.isFinite(cost) ? { cost } : {}),
  };
}

function parseEvent(data: string): StreamEvent | undefined {
  try {
    const parsed = JSON.parse(data) as unknown;
    return parsed && typeof parsed === "object" ? (parsed as StreamEvent) : undefined;
  } catch {
    return undefined;
  }
}

function errorText(err: unknown): string {
  if (typeof err === "string") return err;
  const msg = (err as { message?: unknown })?.message;
  return typeof msg === "string" ? msg : JSON.stringify(err);
}

/** fetch's "fetch failed" says nothing; its cause does (connection refused, unknown host, …). */
function networkReason(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; address?: unknown; port?: unknown; hostname?: unknown } }).cause;
  const where = cause?.address !== undefined ? `${String(cause.address)}${cause.port !== undefined ? `:${String(cause.port)}` : ""}` : "";
  switch (cause?.code) {
    case "ECONNREFUSED":
      return `connection refused to ${where || "the endpoint"} (is the model server running?)`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `unknown host ${String(cause.hostname ?? where)}`;
    case "ETIMEDOUT":
    case "UND_ERR_CONNECT_TIMEOUT":
      return `connecting to ${where || "the endpoint"} timed out`;
    case "ECONNRESET":
      return `the connection to ${where || "the endpoint"} was reset`;
    default:
      return causeText(err);
  }
}

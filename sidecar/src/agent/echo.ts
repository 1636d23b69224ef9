import { setTimeout as sleep } from "node:timers/promises";
import type { AgentBackend, AgentChunk, AgentRequest } from "./backend.js";
import { attachmentLabel } from "./attachments.js";

/** The embedded default: a deterministic reply, streamed in a few deltas, no network. */
export class EchoBackend implements AgentBackend {
  readonly name = "echo";
  constructor(private readonly delayMs = 15) {}

  async *run(req: AgentRequest, signal: AbortSignal): AsyncIterable<AgentChunk> {
    const files = req.attachments ?? [];
    const reply = `echo: ${req.message}${files.length > 0 ? `${req.message ? " " : ""}${files.map(attachmentLabel).join(" ")}` : ""}`;
    const parts = split(reply, 3);
    for (const part of parts) {
      if (this.delayMs > 0) await sleep(this.delayMs, undefined, { signal });
      signal.throwIfAborted();
      yield { kind: "delta", text: part };
    }
  }
}

function split(text: string, n: number): string[] {
  const size = Math.max(1, Math.ceil(text.length / n));
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out.length > 0 ? out : [""];
}

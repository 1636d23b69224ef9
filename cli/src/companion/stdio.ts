import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import { check, formatIssues } from "@clawdbot/protocol";
import { ShellMessageSchema, type CompanionMessage, type ShellMessage } from "@clawdbot/protocol/companion";

/** Longest line accepted from the shell; its messages are a few hundred bytes. */
const MAX_LINE = 64 * 1024;

/**
 * The companion's side of the stdio protocol: one JSON object per line each way. A line that is not
 * JSON or not a shell message is answered with an `error` line and otherwise ignored.
 */
export class ShellLines {
  private closed = false;

  constructor(
    private readonly input: Readable,
    private readonly output: Writable,
  ) {
    // The shell went away mid-write: nobody is listening any more.
    output.on("error", () => (this.closed = true));
  }

  /** Reads messages until the shell closes its end; resolves then. */
  async read(onMessage: (m: ShellMessage) => void): Promise<void> {
    for await (const line of createInterface({ input: this.input, crlfDelay: Infinity })) {
      const msg = this.parse(line);
      if (msg) onMessage(msg);
    }
  }

  send(m: CompanionMessage): void {
    if (this.closed) return;
    this.output.write(`${JSON.stringify(m)}\n`);
  }

  private parse(line: string): ShellMessage | undefined {
    const text = line.trim();
    if (text === "") return undefined;
    if (text.length > MAX_LINE) return this.reject(`line of ${text.length} characters is longer than ${MAX_LINE}`);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      return this.reject(`line is not JSON (${(err as Error).message}): ${preview(text)}`);
    }
    const res = check(ShellMessageSchema, value);
    if (!res.ok) return this.reject(`not a shell message (hello, click or notification-action): ${formatIssues(res.issues)}: ${preview(text)}`);
    return res.value;
  }

  private reject(message: string): undefined {
    this.send({ type: "error", code: "INVALID_MESSAGE", message });
    return undefined;
  }
}

function preview(text: string): string {
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

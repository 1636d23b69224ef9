import { mkdir, open, readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Static } from "@sinclair/typebox";
import { ChatMessageSchema, check } from "@clawdbot/protocol";
import type { Logger } from "pino";

export type ChatMessage = Static<typeof ChatMessageSchema>;

/** Per-session transcripts as JSON lines under `<stateDir>/sessions/`, appended with fsync. */
export class TranscriptStore {
  private readonly dir: string;
  private readonly queues = new Map<string, Promise<void>>();

  constructor(stateDir: string, private readonly log: Logger) {
    this.dir = join(stateDir, "sessions");
  }

  private file(sessionKey: string): string {
    // Session keys are validated to a safe alphabet; ':' is replaced for portable file names.
    return join(this.dir, `${sessionKey.replace(/:/g, "~")}.jsonl`);
  }

  /** Appends one message; resolves once it is on disk. Appends to one session are ordered. */
  append(sessionKey: string, message: ChatMessage): Promise<void> {
    const prev = this.queues.get(sessionKey) ?? Promise.resolve();
    const next = prev.then(async () => {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      const fh = await open(this.file(sessionKey), "a+", 0o600);
      try {
        // A crash mid-append can leave a torn last line; start ours on a fresh line so it survives.
        const { size } = await fh.stat();
        let lead = "";
        if (size > 0) {
          const last = Buffer.alloc(1);
          await fh.read(last, 0, 1, size - 1);
          if (last[0] !== 0x0a) lead = "\n";
        }
        await fh.appendFile(lead + JSON.stringify(message) + "\n");
        await fh.datasync();
      } finally {
        await fh.close();
      }
    });
    const settled = next.catch(() => undefined);
    this.queues.set(sessionKey, settled);
    void settled.then(() => {
      if (this.queues.get(sessionKey) === settled) this.queues.delete(sessionKey);
    });
    return next;
  }

  /** Every session with a transcript and when it last changed, most recent first. */
  async sessions(): Promise<{ key: string; updatedAt: number }[]> {
    let names: string[];
    try {
      names = (await readdir(this.dir)).filter((n) => n.endsWith(".jsonl"));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw err;
    }
    const out = await Promise.all(
      names.map(async (n) => ({ key: n.slice(0, -".jsonl".length).replace(/~/g, ":"), updatedAt: Math.round((await stat(join(this.dir, n))).mtimeMs) })),
    );
    return out.sort((a, b) => b.updatedAt - a.updatedAt);
  }

  /** The last `limit` messages; a torn last line (crash mid-append) is skipped, not fatal. */
  async history(sessionKey: string, limit: number): Promise<ChatMessage[]> {
    await this.queues.get(sessionKey);
    let text: string;
    try {
      text = await readFile(this.file(sessionKey), "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw err;
    }
    const out: ChatMessage[] = [];
    for (const line of text.split("\n")) {
      if (!line) continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        parsed = undefined;
      }
      const msg = check(ChatMessageSchema, parsed);
      if (msg.ok) out.push(msg.value);
      else this.log.warn({ sessionKey }, "skipped a damaged transcript line");
    }
    return out.slice(-limit);
  }
}

/** A transcript message with one text block. */
export function textMessage(role: ChatMessage["role"], text: string, timestamp: number, extra: Partial<ChatMessage> = {}): ChatMessage {
  return { role, content: [{ type: "text", text }], timestamp, ...extra };
}

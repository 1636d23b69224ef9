import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { ChannelAccessConfig } from "../config/index.js";
import type { AgentRunner } from "../agent/runner.js";
import type { ChannelAccessStore } from "./access-store.js";
import { decideAccess } from "./access-policy.js";
import type { ChannelRegistry } from "./registry.js";
import type { Outbox } from "./outbox.js";
import type { InboundMessage } from "./types.js";
import { TypingIndicators } from "./typing.js";

export const MAIN_SESSION_KEY = "main";

/** One session per DM peer, one per group; the owner's DMs share the main session. */
export function sessionKeyFor(msg: InboundMessage, access: ChannelAccessConfig): string {
  if (msg.chatType === "group") return `agent:main:${msg.channel}:group:${msg.chatId}`;
  if (access.owners.includes(msg.senderId)) return MAIN_SESSION_KEY;
  return `agent:main:${msg.channel}:dm:${msg.senderId}`;
}

export interface RouterDeps {
  log: Logger;
  runner: AgentRunner;
  outbox: Outbox;
  registry: () => ChannelRegistry;
  accessStore: ChannelAccessStore;
  typingEveryMs?: number;
}

const SEEN_MAX = 5000;

/** Inbound channel message → access policy → agent run (typing meanwhile) → reply through the outbox. */
export class InboundRouter {
  private readonly seen = new Set<string>();
  private readonly typing: TypingIndicators;

  constructor(private readonly deps: RouterDeps) {
    this.typing = new TypingIndicators(deps.typingEveryMs ?? 4000, deps.log);
  }

  /** Entry point for adapters; never throws (errors are logged with context). */
  handle(msg: InboundMessage, access: ChannelAccessConfig): void {
    const id = `${msg.channel}:${msg.chatId}:${msg.providerMessageId}`;
    if (this.seen.has(id)) return;
    this.seen.add(id);
    if (this.seen.size > SEEN_MAX) this.seen.delete(this.seen.values().next().value as string);
    this.route(msg, access).catch((err: unknown) =>
      this.deps.log.error({ err, channel: msg.channel, chatId: msg.chatId }, "inbound message handling failed"),
    );
  }

  private async route(msg: InboundMessage, access: ChannelAccessConfig): Promise<void> {
    const decision = await decideAccess(msg, access, this.deps.accessStore);
    if (decision.action === "drop") {
      this.deps.log.debug({ channel: msg.channel, sender: msg.senderId, why: decision.why }, "inbound message dropped");
      return;
    }
    if (decision.action === "pair") {
      if (!decision.notify) return;
      const text =
        `This assistant only talks to people its owner approved.\n` +
        `Your pairing code: ${decision.code}\n` +
        `Ask the owner to run: clawdbot pairing approve ${msg.channel} ${decision.code}`;
      await this.reply(msg, text, `pair:${randomUUID()}`);
      return;
    }
    const sessionKey = sessionKeyFor(msg, access);
    const adapter = this.deps.registry().adapter(msg.channel);
    const text = msg.text || `[${msg.media.map((m) => m.kind).join(", ")}]`;
    const run = this.deps.runner.start({
      sessionKey,
      message: text,
      channel: msg.channel,
      ...(msg.senderName ? { senderName: msg.senderName } : {}),
    });
    const release = adapter ? this.typing.hold(`${msg.channel}:${msg.chatId}`, () => adapter.typing(msg.chatId)) : undefined;
    let done: Awaited<typeof run.done>;
    try {
      done = await run.done;
    } finally {
      await release?.();
    }
    if (done.status === "ok" && done.text.trim()) await this.reply(msg, done.text, `reply:${done.runId}`);
    else if (done.status === "error" || done.status === "timeout") {
      await this.reply(msg, `Sorry, that failed: ${done.error ?? done.status}`, `reply:${done.runId}`);
    }
  }

  private async reply(msg: InboundMessage, text: string, idempotencyKey: string): Promise<void> {
    const limit = this.deps.registry().textLimit(msg.channel) ?? 4096;
    await this.deps.outbox.enqueue(
      { channel: msg.channel, chatId: msg.chatId, text, replyToId: msg.providerMessageId, idempotencyKey },
      limit,
    );
  }
}

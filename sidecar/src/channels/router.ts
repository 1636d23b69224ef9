import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { AgentRunner } from "../agent/runner.js";
import type { ChannelAccount, ChannelAccessConfig } from "./access-schema.js";
import type { ChannelAccessStore } from "./access-store.js";
import { decideAccess } from "./access-policy.js";
import { DEFAULT_ACCOUNT_ID } from "./module.js";
import type { ChannelRegistry } from "./registry.js";
import type { Outbox } from "./outbox.js";
import type { ChannelAdapter, InboundMessage, MediaRef } from "./types.js";
import { TypingIndicators } from "./typing.js";

export const MAIN_SESSION_KEY = "main";

/** One session per DM peer, one per group; the owner's DMs share the main session. */
export function sessionKeyFor(msg: InboundMessage, access: ChannelAccessConfig): string {
  const channel = msg.accountId === DEFAULT_ACCOUNT_ID || msg.accountId === "" ? msg.channel : `${msg.channel}:${msg.accountId}`;
  if (msg.chatType === "group") return `agent:main:${channel}:group:${msg.chatId}`;
  if (msg.fromSelf || access.owners.includes(msg.senderId)) return MAIN_SESSION_KEY;
  return `agent:main:${channel}:dm:${msg.senderId}`;
}

/** What the agent reads for a message: quoted context, the text, and every attachment named. */
export function agentText(msg: InboundMessage): string {
  const lines: string[] = [];
  if (msg.quoted) lines.push(`[Replying to ${msg.quoted.senderId ?? "a message"}: "${msg.quoted.text}"]`);
  if (msg.edited) lines.push("[Edited an earlier message; the new text follows]");
  if (msg.text) lines.push(msg.text);
  if (!msg.text && msg.media.length > 0) lines.push(`[${msg.media.map(describeMedia).join(", ")}]`);
  // With text, a bare kind says nothing the text does not; a file or a reason it is missing does.
  else lines.push(...msg.media.filter((m) => m.path || m.skipped).map((m) => `[${describeMedia(m)}]`));
  return lines.join("\n");
}

function describeMedia(m: MediaRef): string {
  if (m.skipped) {
    // A file the agent cannot open is at least named and sized, so it can say what it did not get.
    const what = [m.kind, ...(m.fileName ? [`"${m.fileName}"`] : []), ...(m.size !== undefined ? [`(${formatSize(m.size)})`] : [])].join(" ");
    return `${what} not downloaded: ${m.skipped}`;
  }
  return m.path ? `${m.kind}: ${m.path}` : m.kind;
}

/** Who wrote, as the transcript names them; in groups with the group's subject. */
function senderOf(msg: InboundMessage): { senderName?: string } {
  if (msg.groupSubject) return { senderName: `${msg.senderName ?? msg.senderId} in ${msg.groupSubject}` };
  return msg.senderName ? { senderName: msg.senderName } : {};
}

/** Bytes as people read them: 512 B, 12.3 KB, 4.0 MB. */
function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

export interface RouterDeps {
  log: Logger;
  runner: AgentRunner;
  outbox: Outbox;
  registry: () => ChannelRegistry;
  accessStore: ChannelAccessStore;
  typingEveryMs?: number;
  /** A session whose send policy is "deny" keeps its replies in the transcript only. */
  sendPolicy?: (sessionKey: string) => "allow" | "deny" | undefined;
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
  handle(msg: InboundMessage, account: ChannelAccount): void {
    const id = `${msg.channel}:${msg.accountId}:${msg.chatId}:${msg.providerMessageId}`;
    if (this.seen.has(id)) {
      this.deps.registry().countDrop(msg.channel, msg.accountId, "duplicate");
      return;
    }
    this.seen.add(id);
    if (this.seen.size > SEEN_MAX) this.seen.delete(this.seen.values().next().value as string);
    this.route(msg, account).catch((err: unknown) =>
      this.deps.log.error({ err, channel: msg.channel, chatId: msg.chatId }, "inbound message handling failed"),
    );
  }

  private async route(msg: InboundMessage, account: ChannelAccount): Promise<void> {
    const registry = this.deps.registry();
    const decision = await decideAccess(msg, account, this.deps.accessStore);
    if (decision.action === "drop") {
      registry.countDrop(msg.channel, msg.accountId, decision.reason);
      this.deps.log.debug({ channel: msg.channel, sender: msg.senderId, why: decision.why }, "inbound message dropped");
      return;
    }
    if (decision.action === "pair") {
      if (!decision.notify) {
        registry.countDrop(msg.channel, msg.accountId, "not_allowed");
        return;
      }
      const text =
        `This assistant only talks to people its owner approved.\n` +
        `Your pairing code: ${decision.code}\n` +
        `Ask the owner to run: clawdbot pairing approve ${msg.channel} ${decision.code}`;
      await this.reply(msg, account, text, `pair:${randomUUID()}`);
      return;
    }
    const adapter = registry.adapter(msg.channel, msg.accountId);
    if (adapter) this.acknowledge(adapter, msg, account);
    const sessionKey = sessionKeyFor(msg, account);
    const run = this.deps.runner.start({
      sessionKey,
      message: agentText(msg),
      channel: msg.channel,
      ...senderOf(msg),
    });
    const release = adapter ? this.typing.hold(`${msg.channel}:${msg.accountId}:${msg.chatId}`, () => adapter.typing(msg.chatId)) : undefined;
    let done: Awaited<typeof run.done>;
    try {
      done = await run.done;
    } finally {
      await release?.();
    }
    if (this.deps.sendPolicy?.(sessionKey) === "deny") {
      this.deps.log.info({ sessionKey, runId: done.runId }, "reply not sent: the session's send policy is deny");
      return;
    }
    if (done.status === "ok" && done.text.trim()) await this.reply(msg, account, done.text, `reply:${done.runId}`);
    else if (done.status === "error" || done.status === "timeout") {
      await this.reply(msg, account, `Sorry, that failed: ${done.error ?? done.status}`, `reply:${done.runId}`);
    }
  }

  /** Read receipt and ack reaction for a message the agent will answer; failures are only logged. */
  private acknowledge(adapter: ChannelAdapter, msg: InboundMessage, account: ChannelAccount): void {
    const log = (what: string) => (err: unknown) => this.deps.log.debug({ err, channel: msg.channel, chatId: msg.chatId }, `${what} failed`);
    if (account.sendReadReceipts && adapter.markRead) adapter.markRead(msg).catch(log("read receipt"));
    const ack = account.ackReaction;
    if (!ack || !adapter.react) return;
    const wanted = msg.chatType === "dm" ? ack.direct : ack.group === "always" || (ack.group === "mentions" && msg.mentionsBot);
    if (wanted) adapter.react(msg, ack.emoji).catch(log("ack reaction"));
  }

  /** Queues a reply; `replyToMode` decides which of its messages refer to the one answered. */
  private async reply(msg: InboundMessage, account: ChannelAccount, text: string, idempotencyKey: string): Promise<void> {
    const mode = account.replyToMode ?? "first";
    const reference = mode === "off" ? {} : { replyToId: msg.providerMessageId, replyToEvery: mode === "all" };
    await this.deps.outbox.enqueue(
      { channel: msg.channel, accountId: msg.accountId, chatId: msg.chatId, text, ...reference, idempotencyKey },
      this.deps.registry().chunker(msg.channel),
    );
  }
}

import type { Params } from "@clawdbot/protocol";
import { GatewayError } from "../../errors.js";
import { readAttachments } from "../../agent/attachments.js";
import { MAIN_SESSION_KEY } from "../../channels/router.js";
import { callerKey, type Handler } from "../context.js";
import type { GatewayServices } from "../../services.js";
import { resolveTarget } from "../channels/target.js";

/** What these handlers may reach. */
export type AgentDeps = Pick<GatewayServices, "runner" | "now" | "outbox" | "channels" | "config">;

type AgentParams = Params<"agent">;

/** Session keys share the transcript file alphabet; a session id must fit it too. */
const SESSION_ID = /^[A-Za-z0-9:_.@+-]{1,150}$/;

/**
 * The session a turn runs in: `sessionKey`, else the session of `sessionId` (its own key), else
 * the group's session (`groupId` on `groupChannel`), else the main session.
 */
export function sessionFor(p: AgentParams): string {
  if (p.sessionKey !== undefined) return p.sessionKey;
  if (p.sessionId !== undefined) {
    if (!SESSION_ID.test(p.sessionId)) throw new GatewayError("params_invalid", "sessionId may use letters, digits and : _ . @ + - (at most 150)");
    return `agent:main:session:${p.sessionId}`;
  }
  const groupChannel = p.groupChannel ?? p.channel;
  if (p.groupId !== undefined && groupChannel !== undefined) return `agent:main:${groupChannel}:group:${p.groupId}`;
  return MAIN_SESSION_KEY;
}

/** Seconds asked → ms the run may take: 0 or more than the configured maximum get the maximum. */
export function runTimeoutMs(timeout: number | undefined, maxMs: number): number | undefined {
  if (timeout === undefined) return undefined;
  return timeout === 0 ? maxMs : Math.min(timeout * 1000, maxMs);
}

/** What the run's timeout message names as the limit's origin. */
function timeoutSource(asked: number, ms: number): string {
  return ms < asked * 1000 || asked === 0 ? `timeout = ${asked} in the agent request, clamped to agent.maxTimeoutMs (${ms} ms)` : `timeout = ${asked} in the agent request`;
}

/** Where a delivered reply goes: the reply* fields win over to/channel/accountId. */
function replyRoute(s: AgentDeps, p: AgentParams): { channel: string; chatId: string; accountId?: string; threadId?: string } | undefined {
  if (!p.deliver) return undefined;
  const { channel, chatId } = resolveTarget(s, p.replyTo ?? p.to, p.replyChannel ?? p.channel);
  const accountId = p.replyAccountId ?? p.accountId;
  if (accountId !== undefined && !s.channels.accounts(channel).includes(accountId)) {
    throw new GatewayError("not_found", `channel ${channel} has no account ${accountId} (accounts: ${s.channels.accounts(channel).join(", ")})`);
  }
  return { channel, chatId, ...(accountId !== undefined ? { accountId } : {}), ...(p.threadId !== undefined ? { threadId: p.threadId } : {}) };
}

/** `agent`: answers {runId, status:"accepted"} at once, then the final result on the same request id. */
export const agentHandler =
  (s: AgentDeps): Handler<"agent"> =>
  async (params, ctx) => {
    const sessionKey = sessionFor(params);
    const target = replyRoute(s, params);
    const attachments = readAttachments(params.attachments);
    const timeoutMs = runTimeoutMs(params.timeout, s.config.agent.maxTimeoutMs);
    const context = Object.fromEntries(
      (["groupId", "groupChannel", "groupSpace", "spawnedBy", "label"] as const).flatMap((k) => (params[k] !== undefined ? [[k, params[k]!]] : [])),
    );
    const run = s.runner.start({
      sessionKey,
      message: params.message,
      ...(timeoutMs !== undefined ? { timeoutMs, timeoutSource: timeoutSource(params.timeout!, timeoutMs) } : {}),
      ...(attachments.length > 0 ? { attachments } : {}),
      ...(params.lane !== undefined ? { lane: params.lane } : {}),
      ...(Object.keys(context).length > 0 ? { context } : {}),
    });
    ctx.accept({ runId: run.runId, status: "accepted", acceptedAt: s.now(), sessionKey });
    const done = await run.done;
    let delivered: string | undefined;
    if (target && done.status === "ok" && done.text.trim()) {
      const { item } = await s.outbox.enqueue(
        { ...target, text: done.text, idempotencyKey: `agent:${callerKey(ctx.caller)}:${params.idempotencyKey}` },
        s.channels.chunker(target.channel),
      );
      delivered = item.id;
    }
    return {
      runId: done.runId,
      status: done.status === "queued" || done.status === "running" ? "error" : done.status,
      sessionKey,
      summary: done.status === "ok" ? "completed" : (done.error ?? done.status),
      result: {
        text: done.text,
        // The reference clients print these: one entry per reply part.
        payloads: done.text ? [{ text: done.text }] : [],
        ...(done.usage ? { usage: done.usage } : {}),
        ...(delivered ? { outboxId: delivered } : {}),
        ...(done.error ? { error: done.error } : {}),
      },
    };
  };

/** `agent.wait`: waits up to timeoutMs for a run to finish. */
export const agentWaitHandler =
  (s: AgentDeps): Handler<"agent.wait"> =>
  async ({ runId, timeoutMs }) => {
    const run = s.runner.get(runId);
    if (!run) throw new GatewayError("not_found", `no agent run ${runId} (unknown or too old)`);
    const wait = timeoutMs ?? 30_000;
    const finished = await Promise.race([
      run.done.then(() => true),
      new Promise<false>((r) => setTimeout(() => r(false), wait).unref()),
    ]);
    return {
      runId,
      status: finished ? (run.status === "queued" || run.status === "running" ? "running" : run.status) : "running",
      text: run.text,
      ...(run.error ? { error: run.error } : {}),
      ...(run.startedAt !== undefined ? { startedAt: run.startedAt } : {}),
      ...(run.endedAt !== undefined ? { endedAt: run.endedAt } : {}),
    };
  };

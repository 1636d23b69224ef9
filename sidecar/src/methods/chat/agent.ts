import { GatewayError } from "../../errors.js";
import { MAIN_SESSION_KEY } from "../../channels/router.js";
import { callerKey, type Handler } from "../context.js";
import type { GatewayServices } from "../../services.js";
import { resolveTarget } from "../channels/target.js";

/** What these handlers may reach. */
export type AgentDeps = Pick<GatewayServices, "runner" | "now" | "outbox" | "channels">;


/** `agent`: answers {runId, status:"accepted"} at once, then the final result on the same request id. */
export const agentHandler =
  (s: AgentDeps): Handler<"agent"> =>
  async (params, ctx) => {
    const sessionKey = params.sessionKey ?? MAIN_SESSION_KEY;
    const target = params.deliver ? resolveTarget(s, params.to, params.channel) : undefined;
    const run = s.runner.start({
      sessionKey,
      message: params.message,
      ...(params.timeout !== undefined ? { timeoutMs: params.timeout * 1000, timeoutSource: `timeout = ${params.timeout} in the agent request` } : {}),
    });
    ctx.accept({ runId: run.runId, status: "accepted", acceptedAt: s.now(), sessionKey });
    const done = await run.done;
    let delivered: string | undefined;
    if (target && done.status === "ok" && done.text.trim()) {
      const { item } = await s.outbox.enqueue(
        { channel: target.channel, chatId: target.chatId, text: done.text, idempotencyKey: `agent:${callerKey(ctx.caller)}:${params.idempotencyKey}` },
        s.channels.textLimit(target.channel) ?? 4096,
      );
      delivered = item.id;
    }
    return {
      runId: done.runId,
      status: done.status === "queued" || done.status === "running" ? "error" : done.status,
      sessionKey,
      summary: done.status === "ok" ? "completed" : (done.error ?? done.status),
      result: { text: done.text, ...(delivered ? { outboxId: delivered } : {}), ...(done.error ? { error: done.error } : {}) },
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

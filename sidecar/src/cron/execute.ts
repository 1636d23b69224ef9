import type { CronJob } from "@clawdbot/protocol";
import type { AgentRunner } from "../agent/runner.js";
import type { ChannelRegistry } from "../channels/registry.js";
import { MAIN_SESSION_KEY } from "../channels/router.js";
import { GatewayError } from "../errors.js";
import { resolveTarget } from "../methods/channels/target.js";
import type { Waker } from "../state/waker.js";
import type { ExecResult } from "./service.js";

const SUMMARY_CHARS = 200;

export interface ExecutorDeps {
  runner: Pick<AgentRunner, "start">;
  channels: Pick<ChannelRegistry, "names">;
  waker: Pick<Waker, "wake">;
}

/** The session a job's agent turn runs in. */
export function jobSessionKey(job: CronJob): string {
  if (job.sessionTarget === "main") return MAIN_SESSION_KEY;
  if (job.sessionTarget === "isolated") return `cron:${job.id}`;
  return job.sessionTarget.slice("session:".length);
}

/** Refuses jobs that could never run as written. */
export function checkJob(deps: Pick<ExecutorDeps, "channels">, job: CronJob): void {
  const p = job.payload;
  if (p.kind === "systemEvent") {
    if (job.sessionTarget !== "main") throw new GatewayError("params_invalid", "payload.kind systemEvent notes the text in the main session: use sessionTarget main (or an agentTurn payload)");
    return;
  }
  if (p.deliver) resolveTarget(deps, p.to, p.channel ?? p.provider);
}

/** Runs a job's payload: a system event for the main session, or an agent turn whose reply may be delivered. */
export function createExecutor(deps: ExecutorDeps): (job: CronJob) => Promise<ExecResult> {
  return async (job) => {
    const p = job.payload;
    if (p.kind === "systemEvent") {
      deps.waker.wake(job.wakeMode, p.text);
      return { status: "ok", summary: shorten(p.text), sessionKey: MAIN_SESSION_KEY };
    }
    const sessionKey = jobSessionKey(job);
    const run = deps.runner.start({ sessionKey, message: p.message, channel: "cron", ...(p.timeoutSeconds ? { timeoutMs: p.timeoutSeconds * 1000 } : {}) });
    const done = await run.done;
    if (done.status !== "ok") return { status: "error", error: done.error ?? done.status, sessionKey, ...(done.text ? { summary: shorten(done.text) } : {}) };
    const res: ExecResult = { status: "ok", sessionKey, ...(done.text ? { summary: shorten(done.text) } : {}) };
    if (!p.deliver || !done.text.trim()) return res;
    try {
      const { channel, chatId } = resolveTarget(deps, p.to, p.channel ?? p.provider);
      return { ...res, deliver: { channel, chatId, text: done.text } };
    } catch (err) {
      const error = (err as Error).message;
      return p.bestEffortDeliver ? { ...res, deliveryError: error } : { ...res, status: "error", error: `delivery: ${error}`, deliveryError: error };
    }
  };
}

function shorten(text: string): string {
  return text.length > SUMMARY_CHARS ? `${text.slice(0, SUMMARY_CHARS - 1)}…` : text;
}

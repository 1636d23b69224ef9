import { GatewayError } from "../../errors.js";
import { readAttachments } from "../../agent/attachments.js";
import type { Handler } from "../context.js";
import type { GatewayServices } from "../../services.js";

/** What these handlers may reach. */
export type ChatDeps = Pick<GatewayServices, "transcripts" | "runner" | "sessions">;


/** `chat.history`: the session's transcript, persisted across restarts. */
export const chatHistoryHandler =
  (s: ChatDeps): Handler<"chat.history"> =>
  async ({ sessionKey, limit }) => {
    const messages = await s.transcripts.history(sessionKey, limit ?? 200);
    const entry = s.sessions.entry(sessionKey);
    return { sessionKey, messages, sessionId: entry?.sessionId ?? null, thinkingLevel: entry?.settings.thinkingLevel ?? null };
  };

/** `chat.send`: starts (or queues) a run; the reply streams as `chat` events. */
export const chatSendHandler =
  (s: ChatDeps): Handler<"chat.send"> =>
  ({ sessionKey, message, timeoutMs, attachments: raw }) => {
    const attachments = readAttachments(raw);
    if (message.trim() === "" && attachments.length === 0) throw new GatewayError("params_invalid", "chat.send needs a message or at least one attachment");
    const busy = s.runner.busy(sessionKey);
    const run = s.runner.start({
      sessionKey,
      message,
      channel: "webchat",
      ...(timeoutMs !== undefined ? { timeoutMs, timeoutSource: `timeoutMs = ${timeoutMs} in chat.send` } : {}),
      ...(attachments.length > 0 ? { attachments } : {}),
    });
    return { runId: run.runId, status: busy ? ("queued" as const) : ("started" as const) };
  };

/** `chat.abort`: aborts the session's active run (or the named one). */
export const chatAbortHandler =
  (s: ChatDeps): Handler<"chat.abort"> =>
  ({ sessionKey, runId }) => {
    const owner = runId !== undefined ? s.runner.liveSession(runId) : undefined;
    // A run still going in another session is a caller mistake worth naming; a finished or unknown one is simply not aborted.
    if (owner !== undefined && owner !== sessionKey) {
      throw new GatewayError("params_invalid", `run ${runId} belongs to another session, not ${sessionKey}`);
    }
    const runIds = s.runner.abort(sessionKey, runId);
    return { ok: true as const, aborted: runIds.length > 0, runIds };
  };

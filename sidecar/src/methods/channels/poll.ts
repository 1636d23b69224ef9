import { GatewayError } from "../../errors.js";
import type { Handler } from "../context.js";
import type { GatewayServices } from "../../services.js";
import { resolveTarget } from "./target.js";

/** What this handler may reach. */
export type PollDeps = Pick<GatewayServices, "channels">;

/** `poll`: sent at once through a channel that has polls; others answer a clear error. */
export const pollHandler =
  (s: PollDeps): Handler<"poll"> =>
  async (params) => {
    const { channel, chatId } = resolveTarget(s, params.to, params.channel);
    if (params.accountId !== undefined && !s.channels.accounts(channel).includes(params.accountId)) {
      throw new GatewayError("not_found", `channel ${channel} has no account ${params.accountId}`);
    }
    const adapter = s.channels.adapter(channel, params.accountId);
    if (!adapter) throw new GatewayError("unavailable", `${channel} is not running; see clawdbot channels status`);
    if (!adapter.sendPoll) throw new GatewayError("params_invalid", `unsupported poll channel: ${channel} has no polls`);
    const maxSelections = params.maxSelections ?? 1;
    if (maxSelections > params.options.length) {
      throw new GatewayError("params_invalid", `maxSelections (${maxSelections}) exceeds the number of options (${params.options.length})`);
    }
    try {
      const sent = await adapter.sendPoll({ chatId, question: params.question, options: params.options, maxSelections });
      return { runId: params.idempotencyKey, messageId: sent.providerMessageId, channel, toJid: chatId };
    } catch (err) {
      throw new GatewayError("unavailable", `${channel} refused the poll: ${String(s.channels.redact((err as Error)?.message ?? err))}`);
    }
  };

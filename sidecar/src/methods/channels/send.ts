import { stat } from "node:fs/promises";
import type { MediaRef } from "../../channels/types.js";
import { GatewayError } from "../../errors.js";
import { callerKey, type Handler } from "../context.js";
import type { GatewayServices } from "../../services.js";
import { resolveTarget } from "./target.js";

/** What these handlers may reach. */
export type SendDeps = Pick<GatewayServices, "channels" | "outbox">;


const FIRST_ATTEMPT_WAIT_MS = 5000;

/**
 * `send`: persisted in the outbox before the ack. While the account is online it answers "sent"
 * when the first attempt delivers within a few seconds; an offline account answers "queued" at once.
 */
export const sendHandler =
  (s: SendDeps, firstAttemptWaitMs = FIRST_ATTEMPT_WAIT_MS): Handler<"send"> =>
  async (params, ctx) => {
    const { channel, chatId } = resolveTarget(s, params.to, params.channel);
    if (params.accountId !== undefined && !s.channels.accounts(channel).includes(params.accountId)) {
      throw new GatewayError("not_found", `channel ${channel} has no account ${params.accountId} (accounts: ${s.channels.accounts(channel).join(", ")})`);
    }
    const urls = [...(params.mediaUrl ? [params.mediaUrl] : []), ...(params.mediaUrls ?? [])];
    const kind = (u: string): MediaRef["kind"] => (params.gifPlayback ? "animation" : kindOf(u));
    const media: MediaRef[] = urls.map((u) => (/^https?:\/\//.test(u) ? { kind: kind(u), url: u } : { kind: kind(u), path: u }));
    await assertMediaFilesExist(media);
    const { item, alreadySent } = await s.outbox.enqueue(
      {
        channel,
        ...(params.accountId !== undefined ? { accountId: params.accountId } : {}),
        chatId,
        ...(params.message ? { text: params.message } : {}),
        media,
        ...(params.replyTo !== undefined ? { replyToId: params.replyTo } : {}),
        idempotencyKey: `send:${callerKey(ctx.caller)}:${params.idempotencyKey}`,
      },
      s.channels.chunker(channel),
      s.channels.captionLimit(channel),
    );
    const offline = alreadySent ? undefined : s.channels.offline(channel, params.accountId);
    const delivered = alreadySent ? item : offline !== undefined ? undefined : await s.outbox.waitDelivered(item.id, firstAttemptWaitMs);
    const failure = delivered ? undefined : s.outbox.failureOf(item.id);
    if (failure !== undefined) {
      throw new GatewayError("unavailable", `${channel} refused the message for good: ${failure}`, { details: { messageId: item.id } });
    }
    return {
      runId: params.idempotencyKey,
      messageId: item.id,
      channel,
      to: chatId,
      status: delivered ? ("sent" as const) : ("queued" as const),
      ...(delivered ? { providerMessageIds: delivered.providerMessageIds } : {}),
    };
  };

/** A local media path that does not exist would only fail at delivery time, after the client was told "queued". */
async function assertMediaFilesExist(media: readonly MediaRef[]): Promise<void> {
  for (const m of media) {
    if (m.path === undefined) continue;
    const found = await stat(m.path).then(
      (st) => st.isFile(),
      () => false,
    );
    if (!found) throw new GatewayError("params_invalid", `media file ${m.path} does not exist on the gateway host (or is not a regular file); nothing was queued`);
  }
}

function kindOf(u: string): MediaRef["kind"] {
  if (/\.(png|jpe?g|gif|webp)(\?|$)/i.test(u)) return "photo";
  if (/\.(ogg|opus|mp3|m4a|aac|wav)(\?|$)/i.test(u)) return "audio";
  if (/\.(mp4|mov|3gp|webm)(\?|$)/i.test(u)) return "video";
  return "document";
}

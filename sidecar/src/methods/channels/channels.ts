import { GatewayError } from "../../errors.js";
import type { Handler } from "../context.js";
import type { GatewayServices } from "../../services.js";

/** What these handlers may reach. */
export type ChannelsDeps = Pick<GatewayServices, "channels" | "outbox" | "now" | "channelAccess">;


/** `channels.status` */
export const channelsStatusHandler =
  (s: ChannelsDeps): Handler<"channels.status"> =>
  () => {
    const channels = Object.fromEntries(
      Object.entries(s.channels.status()).map(([name, st]) => [name, { ...st, outboxPending: s.outbox.pendingCount(name) }]),
    );
    return { ts: s.now(), channels };
  };

/** `channels.logout`: stops the channel, forgets credentials, approvals and queued messages. */
export const channelsLogoutHandler =
  (s: ChannelsDeps): Handler<"channels.logout"> =>
  async ({ channel }) => {
    if (!s.channels.names().includes(channel)) throw new GatewayError("not_found", `channel ${channel} is not configured`);
    const res = await s.channels.logout(channel);
    await s.channelAccess.forget(channel);
    const dropped = await s.outbox.forget(channel);
    return { channel, ...res, droppedMessages: dropped };
  };

/** `channels.pairing.list` */
export const channelPairingListHandler =
  (s: ChannelsDeps): Handler<"channels.pairing.list"> =>
  (params) => ({
    pending: s.channelAccess.listPending(params?.channel).map(({ notifiedAt: _n, ...p }) => p),
    approved: s.channelAccess.listApproved(params?.channel),
  });

/** `channels.pairing.approve`: the sender may now talk to the agent. */
export const channelPairingApproveHandler =
  (s: ChannelsDeps): Handler<"channels.pairing.approve"> =>
  async ({ channel, code }) => {
    const p = await s.channelAccess.approve(channel, code);
    if (!p) throw new GatewayError("not_found", `no pending ${channel} pairing code ${code} (codes expire after an hour)`);
    await s.outbox.enqueue(
      { channel, chatId: p.chatId, text: "You are approved. Say hello!", idempotencyKey: `paired:${channel}:${p.code}` },
      s.channels.textLimit(channel) ?? 4096,
    );
    return { channel, senderId: p.senderId };
  };

/** `channels.pairing.reject` */
export const channelPairingRejectHandler =
  (s: ChannelsDeps): Handler<"channels.pairing.reject"> =>
  async ({ channel, code }) => {
    const p = await s.channelAccess.reject(channel, code);
    if (!p) throw new GatewayError("not_found", `no pending ${channel} pairing code ${code}`);
    return { channel, senderId: p.senderId };
  };

import type { ChannelAccessConfig } from "../config/index.js";
import type { InboundMessage } from "./types.js";
import type { ChannelAccessStore } from "./access-store.js";

/** What to do with an inbound message. */
export type AccessDecision =
  | { action: "accept" }
  | { action: "drop"; why: string }
  | { action: "pair"; code: string; notify: boolean };

/** Applies dmPolicy / allowFrom / group mention gating to an inbound message. */
export async function decideAccess(
  msg: InboundMessage,
  cfg: ChannelAccessConfig,
  store: ChannelAccessStore,
): Promise<AccessDecision> {
  const listed = cfg.allowFrom.includes(msg.senderId) || cfg.owners.includes(msg.senderId);
  if (msg.chatType === "group") {
    if (!cfg.groupsEnabled) return { action: "drop", why: "groups disabled" };
    if (cfg.groupAllow && !cfg.groupAllow.includes(msg.chatId)) return { action: "drop", why: "group not in groups.allow" };
    if (cfg.requireMention && !msg.mentionsBot) return { action: "drop", why: "group message without a mention" };
    return { action: "accept" };
  }
  switch (cfg.dmPolicy) {
    case "disabled":
      return { action: "drop", why: "direct messages disabled" };
    case "open":
      return { action: "accept" };
    case "allowlist":
      return listed ? { action: "accept" } : { action: "drop", why: "sender not in allowFrom" };
    case "pairing": {
      if (listed || store.isApproved(msg.channel, msg.senderId)) return { action: "accept" };
      const code = await store.codeFor(msg.channel, msg.senderId, msg.chatId, msg.senderName);
      return code ? { action: "pair", ...code } : { action: "drop", why: "too many pending pairing codes" };
    }
  }
}

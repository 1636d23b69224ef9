import type { ChannelAccessConfig } from "./access-schema.js";
import type { DropReason } from "./drops.js";
import type { InboundMessage } from "./types.js";
import type { ChannelAccessStore } from "./access-store.js";

/** What to do with an inbound message. */
export type AccessDecision =
  | { action: "accept" }
  | { action: "drop"; reason: DropReason; why: string }
  | { action: "pair"; code: string; notify: boolean };

/** Applies dmPolicy / allowFrom / group mention gating to an inbound message. */
export async function decideAccess(
  msg: InboundMessage,
  cfg: ChannelAccessConfig,
  store: ChannelAccessStore,
): Promise<AccessDecision> {
  const listed = msg.fromSelf === true || cfg.allowFrom.includes(msg.senderId) || cfg.owners.includes(msg.senderId);
  if (msg.chatType === "group") {
    if (!cfg.groupsEnabled) return { action: "drop", reason: "group_not_allowed", why: "groups disabled" };
    if (cfg.groupAllow && !cfg.groupAllow.includes(msg.chatId)) return { action: "drop", reason: "group_not_allowed", why: "group not in groups.allow" };
    const mention = cfg.groupRequireMention?.[msg.chatId] ?? cfg.requireMention;
    if (mention && !msg.mentionsBot) return { action: "drop", reason: "no_mention", why: "group message without a mention" };
    return { action: "accept" };
  }
  if (msg.fromSelf) return { action: "accept" };
  switch (cfg.dmPolicy) {
    case "disabled":
      return { action: "drop", reason: "not_allowed", why: "direct messages disabled" };
    case "open":
      return { action: "accept" };
    case "allowlist":
      return listed ? { action: "accept" } : { action: "drop", reason: "not_allowed", why: "sender not in allowFrom" };
    case "pairing": {
      if (listed || store.isApproved(msg.channel, msg.senderId)) return { action: "accept" };
      const code = await store.codeFor(msg.channel, msg.accountId, msg.senderId, msg.chatId, msg.senderName);
      return code ? { action: "pair", ...code } : { action: "drop", reason: "not_allowed", why: "too many pending pairing codes" };
    }
  }
}

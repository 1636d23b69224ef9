import { Type, type Static } from "@sinclair/typebox";
import { AckReactionSchema, DmPolicySchema, ReplyToModeSchema, resolveAckReaction, type ChannelAccount } from "./access-schema.js";
import type { DropReason } from "./drops.js";

/** The access keys of a chat-app account (Slack, Discord): DM policy, people by user id, replies, ack reaction. */
export function chatAccessKeys(idHint: string) {
  return {
    dmPolicy: Type.Optional(DmPolicySchema),
    allowFrom: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: `${idHint} allowed to DM the agent` })),
    owners: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: `${idHint} whose DMs share the main session` })),
    replyToMode: Type.Optional(ReplyToModeSchema),
    ackReaction: Type.Optional(AckReactionSchema),
  };
}

/** One channel's rules (`channels.<id>` on Slack, `guilds.<g>.channels.<id>` on Discord). */
export const ChatRuleSchema = Type.Object(
  {
    allow: Type.Optional(Type.Boolean({ description: "false: ignore this channel" })),
    requireMention: Type.Optional(Type.Boolean({ description: "answer only when mentioned (default true)" })),
    users: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: "only these people, by provider user id" })),
  },
  { additionalProperties: false },
);
export type ChatRule = Static<typeof ChatRuleSchema>;

/** Rules by channel id; `"*"` applies to channels not listed. */
export type ChatRules = Readonly<Record<string, ChatRule>>;

/** The rule for a channel: its own, else the `"*"` entry; undefined when a list exists and names neither. */
export function ruleFor(rules: ChatRules | undefined, id: string): ChatRule | undefined {
  if (!rules) return {};
  return rules[id] ?? rules["*"];
}

export interface GroupMessageFacts {
  senderId: string;
  mentioned: boolean;
}

/**
 * Applies channel rules to a message in a shared channel: not listed or `allow: false` →
 * group_not_allowed; a `users` list without the sender → not_allowed; no mention where one is
 * required (the default) → no_mention. Undefined: the message goes on.
 */
export function groupDropReason(rule: ChatRule | undefined, msg: GroupMessageFacts, users?: readonly string[]): DropReason | undefined {
  if (!rule || rule.allow === false) return "group_not_allowed";
  const allowed = rule.users ?? users;
  if (allowed && !allowed.includes(msg.senderId)) return "not_allowed";
  if ((rule.requireMention ?? true) && !msg.mentioned) return "no_mention";
  return undefined;
}

/** The ack reaction: the given block, or `emoji` by default; a block without an emoji turns it off. */
export function ackOf(block: Static<typeof AckReactionSchema> | undefined, emoji: string): Pick<ChannelAccount, "ackReaction"> {
  const ack = resolveAckReaction(block ?? { emoji });
  return ack ? { ackReaction: ack } : {};
}

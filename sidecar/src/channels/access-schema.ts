import { Type, type Static } from "@sinclair/typebox";

/** Who may talk to the agent in direct messages. */
export const DmPolicySchema = Type.Union([Type.Literal("pairing"), Type.Literal("allowlist"), Type.Literal("open"), Type.Literal("disabled")]);
export type DmPolicy = Static<typeof DmPolicySchema>;

/** When a received message gets an acknowledging reaction. */
export const AckReactionSchema = Type.Object(
  {
    emoji: Type.Optional(Type.String({ minLength: 1, maxLength: 16 })),
    direct: Type.Optional(Type.Boolean({ description: "react to direct messages" })),
    group: Type.Optional(Type.Union([Type.Literal("always"), Type.Literal("mentions"), Type.Literal("never")])),
  },
  { additionalProperties: false },
);

/** Access policy shared by every channel. */
export interface ChannelAccessConfig {
  readonly dmPolicy: DmPolicy;
  readonly allowFrom: readonly string[];
  readonly owners: readonly string[];
  readonly groupsEnabled: boolean;
  readonly requireMention: boolean;
  /** Group chat ids the bot serves; undefined = any group it is added to. */
  readonly groupAllow: readonly string[] | undefined;
  /** Per-group override of requireMention. */
  readonly groupRequireMention?: Readonly<Record<string, boolean>>;
}

/** An ack reaction as resolved: which emoji, and where. */
export interface AckReaction {
  readonly emoji: string;
  readonly direct: boolean;
  readonly group: "always" | "mentions" | "never";
}

/** Which messages of a reply quote (or thread on) the message answered: none, the first, or every one. */
export const ReplyToModeSchema = Type.Union([Type.Literal("off"), Type.Literal("first"), Type.Literal("all")]);
export type ReplyToMode = Static<typeof ReplyToModeSchema>;

/** What every resolved channel account carries besides its own settings. */
export interface ChannelAccount extends ChannelAccessConfig {
  readonly accountId: string;
  readonly enabled: boolean;
  /** Reaction on receipt of a message the agent will answer; absent = none. */
  readonly ackReaction?: AckReaction;
  /** Mark accepted messages read (channels that have read receipts). */
  readonly sendReadReceipts?: boolean;
  /** How replies refer to the message they answer; absent = "first". */
  readonly replyToMode?: ReplyToMode;
}

/** Resolves the optional ack reaction block; no block or no emoji means no reaction. */
export function resolveAckReaction(file: Static<typeof AckReactionSchema> | undefined): AckReaction | undefined {
  if (!file?.emoji) return undefined;
  return { emoji: file.emoji, direct: file.direct ?? true, group: file.group ?? "mentions" };
}

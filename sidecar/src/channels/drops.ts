/**
 * Why an inbound message did not reach the agent. Counted per account so `channels.status` can
 * tell a deaf channel from a filtered one.
 */
export const DROP_REASONS = ["not_allowed", "group_not_allowed", "no_mention", "history", "duplicate", "own_message", "bot", "broadcast"] as const;
export type DropReason = (typeof DROP_REASONS)[number];
export type DropCounts = Record<DropReason, number>;

/** A zeroed counter for every reason (so clients see every key). */
export function emptyDrops(): DropCounts {
  return Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as DropCounts;
}

/** Where a Slack reply goes: a conversation (channel, private channel, DM), optionally one thread of it. */
export interface SlackTarget {
  channel: string;
  threadTs?: string;
}

/**
 * A Slack chat id: the conversation id, or `<conversation>:<thread ts>` for a thread. Threads get
 * their own chat id so that their sessions, delivery order and replies stay inside the thread.
 */
export function slackChatId(target: SlackTarget): string {
  return target.threadTs ? `${target.channel}:${target.threadTs}` : target.channel;
}

/** The inverse of slackChatId; undefined when the id is not one. */
export function parseSlackChatId(chatId: string): SlackTarget | undefined {
  const m = /^([A-Z][A-Z0-9]{1,31})(?::(\d{1,12}\.\d{1,9}))?$/.exec(chatId);
  if (!m) return undefined;
  return m[2] ? { channel: m[1]!, threadTs: m[2] } : { channel: m[1]! };
}

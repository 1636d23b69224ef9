// Envelopes in the shape signal-cli's JSON output gives them (JsonMessageEnvelope and friends):
// what `/api/v1/events` carries as `data:{"envelope":…,"account":…}`.

/** A Signal user: a phone number, a UUID (ACI), or both (UUID-only senders exist). */
export interface SignalUser {
  number?: string;
  uuid: string;
  name?: string;
}

export interface SignalMention {
  number?: string;
  uuid: string;
  start: number;
  length: number;
}

export interface SignalAttachmentJson {
  contentType: string;
  filename: string | null;
  id: string;
  size: number;
  width: number | null;
  height: number | null;
  caption: string | null;
  uploadTimestamp: number | null;
}

export interface DataMessageExtras {
  attachments?: SignalAttachmentJson[];
  mentions?: SignalMention[];
  quote?: { id: number; author: SignalUser; text: string };
  groupInfo?: { groupId: string; groupName: string };
  reaction?: { emoji: string; targetAuthor: SignalUser; targetSentTimestamp: number; isRemove?: boolean };
}

/** The placeholder Signal puts in the text where a mention stands. */
export const MENTION = "\uFFFC";

function source(from: SignalUser) {
  return {
    source: from.number ?? from.uuid,
    sourceNumber: from.number ?? null,
    sourceUuid: from.uuid,
    sourceName: from.name ?? null,
    sourceDevice: 1,
  };
}

function times(ts: number) {
  return { timestamp: ts, serverReceivedTimestamp: ts + 5, serverDeliveredTimestamp: ts + 9 };
}

export function dataMessage(ts: number, text: string | null, extras: DataMessageExtras = {}) {
  return {
    timestamp: ts,
    message: text,
    expiresInSeconds: 0,
    viewOnce: false,
    ...(extras.mentions ? { mentions: extras.mentions.map((m) => ({ name: m.number ?? m.uuid, number: m.number ?? null, uuid: m.uuid, start: m.start, length: m.length })) } : {}),
    ...(extras.attachments ? { attachments: extras.attachments } : {}),
    ...(extras.quote
      ? {
          quote: {
            id: extras.quote.id,
            author: extras.quote.author.number ?? extras.quote.author.uuid,
            authorNumber: extras.quote.author.number ?? null,
            authorUuid: extras.quote.author.uuid,
            text: extras.quote.text,
            attachments: [],
          },
        }
      : {}),
    ...(extras.groupInfo ? { groupInfo: { ...extras.groupInfo, revision: 3, type: "DELIVER" } } : {}),
    ...(extras.reaction
      ? {
          reaction: {
            emoji: extras.reaction.emoji,
            targetAuthor: extras.reaction.targetAuthor.number ?? extras.reaction.targetAuthor.uuid,
            targetAuthorNumber: extras.reaction.targetAuthor.number ?? null,
            targetAuthorUuid: extras.reaction.targetAuthor.uuid,
            targetSentTimestamp: extras.reaction.targetSentTimestamp,
            isRemove: extras.reaction.isRemove ?? false,
          },
        }
      : {}),
  };
}

/** A message from `from` (to the bot, or in a group when `extras.groupInfo` is set). */
export function messageEnvelope(from: SignalUser, ts: number, text: string | null, extras: DataMessageExtras = {}) {
  return { ...source(from), ...times(ts), dataMessage: dataMessage(ts, text, extras) };
}

/** An edit of an earlier message. */
export function editEnvelope(from: SignalUser, ts: number, targetSentTimestamp: number, text: string) {
  return { ...source(from), ...times(ts), editMessage: { targetSentTimestamp, dataMessage: dataMessage(ts, text) } };
}

export function typingEnvelope(from: SignalUser, ts: number) {
  return { ...source(from), ...times(ts), typingMessage: { action: "STARTED", timestamp: ts } };
}

export function receiptEnvelope(from: SignalUser, ts: number, of: number) {
  return { ...source(from), ...times(ts), receiptMessage: { when: ts, isDelivery: false, isRead: true, isViewed: false, timestamps: [of] } };
}

/** What another device of the bot's own account sent (a sync message). */
export function syncSentEnvelope(self: SignalUser, ts: number, destination: string, text: string) {
  return {
    ...source(self),
    ...times(ts),
    syncMessage: { sentMessage: { destination, destinationNumber: destination, destinationUuid: null, timestamp: ts, message: text, expiresInSeconds: 0, viewOnce: false } },
  };
}

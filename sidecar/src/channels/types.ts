/** A piece of media attached to a message: a provider file reference, a URL or a local path. */
export interface MediaRef {
  kind: "photo" | "document" | "audio" | "video" | "voice" | "sticker";
  fileId?: string;
  url?: string;
  path?: string;
  fileName?: string;
  mimeType?: string;
}

/** An inbound message, normalized across channels. */
export interface InboundMessage {
  channel: string;
  accountId: string;
  chatId: string;
  chatType: "dm" | "group";
  senderId: string;
  senderName?: string;
  text: string;
  media: MediaRef[];
  replyToId?: string;
  /** The bot was @mentioned or replied to. */
  mentionsBot: boolean;
  ts: number;
  providerMessageId: string;
}

/** One provider call's worth of outbound content (the outbox has already chunked text). */
export interface OutboundPart {
  chatId: string;
  text?: string;
  media?: MediaRef;
  replyToId?: string;
}

/** Runtime state of a channel for `channels.status`. */
export interface ChannelRuntimeStatus {
  connected: boolean;
  accountId?: string;
  lastError: string | null;
  lastInboundAt: number | null;
  lastPollAt: number | null;
}

/** A send failed; `retryable` and `retryAfterMs` tell the outbox what to do. */
export class ChannelSendError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = "ChannelSendError";
  }
}

/**
 * The interface every channel implements. `start` resolves once the channel is receiving and
 * keeps receiving until `signal` aborts; reconnects and backoff are the adapter's job.
 */
export interface ChannelAdapter {
  readonly name: string;
  /** Longest text one provider message may carry. */
  readonly textLimit: number;
  start(signal: AbortSignal, onInbound: (msg: InboundMessage) => void): Promise<void>;
  /** Stops receiving and closes connections; resolves when nothing is left running. */
  stop(): Promise<void>;
  send(part: OutboundPart): Promise<{ providerMessageId: string }>;
  /** Shows a typing indicator for a few seconds. */
  typing(chatId: string): Promise<void>;
  status(): ChannelRuntimeStatus;
  /** Forgets stored credentials/state. */
  logout(): Promise<void>;
}

import type { IncomingMessage, ServerResponse } from "node:http";
import type { Static } from "@sinclair/typebox";
import type { ProgramStatusSchema } from "@clawdbot/protocol";
import type { DropReason } from "./drops.js";

/** A supervised external program's state (signal-cli, imsg). */
export type ProgramStatus = Static<typeof ProgramStatusSchema>;

/** A piece of media attached to a message: a provider file reference, a URL or a local path. */
export interface MediaRef {
  /** `animation`: a GIF or silent video shown looping (sent with gifPlayback). */
  kind: "photo" | "document" | "audio" | "video" | "voice" | "sticker" | "animation";
  fileId?: string;
  url?: string;
  path?: string;
  fileName?: string;
  mimeType?: string;
  /** Size in bytes, when the provider says. */
  size?: number;
  /** Why the file is not there (e.g. over the size limit): announced to the agent, never dropped silently. */
  skipped?: string;
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
  /** The message this one replies to, as the agent should see it. */
  quoted?: { text: string; senderId?: string };
  /** The sender edited an earlier message; `text` is its new wording. */
  edited?: boolean;
  /** Group subject, for the agent's context. */
  groupSubject?: string;
  /** The bot was @mentioned or replied to. */
  mentionsBot: boolean;
  /** Sent by the account's own user (WhatsApp on a personal number): always allowed, owner's session. */
  fromSelf?: boolean;
  ts: number;
  providerMessageId: string;
}

/** One provider call's worth of outbound content (the outbox has already chunked text). */
export interface OutboundPart {
  chatId: string;
  text?: string;
  media?: MediaRef;
  replyToId?: string;
  /** A topic/thread inside the chat (Telegram forum topics). */
  threadId?: string;
}

/** Runtime state of one channel account for `channels.status`. */
export interface ChannelRuntimeStatus {
  connected: boolean;
  /** The provider-side identity (bot username, phone number) once known. */
  accountId?: string;
  lastError: string | null;
  lastInboundAt: number | null;
  lastPollAt: number | null;
  /** Channels that link a device: whether credentials for a linked session are stored. */
  linked?: boolean;
  lastConnectedAt?: number | null;
  lastOutboundAt?: number | null;
  /** Channels that run an external program: its pid, restarts and last stderr line. */
  program?: ProgramStatus;
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
 * A channel account could not start. `retryable: false` means trying again cannot help until the
 * configuration changes (e.g. iMessage on a host that is not a Mac): the registry does not retry.
 */
export class ChannelStartError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = "ChannelStartError";
  }
}

/**
 * The provider refused the account in a way no retry can fix (a rejected token, an intent not
 * enabled): the registry stops the account instead of retrying, and the message, which says what
 * to change, stays its status until the config changes.
 */
export class ChannelHaltError extends ChannelStartError {
  constructor(message: string) {
    super(message, false);
    this.name = "ChannelHaltError";
  }
}

/** A code the user must act on to link a device: a QR code to scan or a pairing code to type. */
export type LoginCode =
  | { kind: "qr"; qr: string; expiresAt: number }
  | { kind: "pairing-code"; code: string; expiresAt: number };

/** Where a login stands. */
export interface LoginOutcome {
  connected: boolean;
  message: string;
}

/** Channels that link a device (WhatsApp): a login that streams codes until linked. */
export interface ChannelLogin {
  /**
   * Starts linking (replacing a running login); resolves with the first code, or with a message
   * when nothing is to be scanned (already linked). Each later code goes to `onCode`.
   */
  start(opts: { force: boolean; phone?: string; timeoutMs: number }, onCode: (code: LoginCode) => void): Promise<{ code?: LoginCode; message: string }>;
  /** Resolves once the login linked, failed, or `timeoutMs` passed. */
  wait(timeoutMs: number): Promise<LoginOutcome>;
}

/** A poll as a channel sends it. */
export interface PollRequest {
  chatId: string;
  question: string;
  options: readonly string[];
  maxSelections: number;
}

/** What a probe found (channels.status with probe). */
export interface ProbeResult {
  ok: boolean;
  error?: string;
  elapsedMs: number;
  [detail: string]: unknown;
}

/** What the gateway hands an adapter besides its config. */
export interface AdapterEvents {
  /** A message was not passed on, and why (counted per account). */
  dropped(reason: DropReason): void;
  /** A login finished: the account is linked again (a logged-out account counts as configured from here on). */
  linked?(): void;
}

/**
 * The interface every channel implements. `start` resolves once the channel is receiving and
 * keeps receiving until `signal` aborts; reconnects and backoff are the adapter's job. The
 * optional members are capabilities some channels have; the gateway checks for them.
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
  /** Forgets stored credentials/state (and unlinks on the provider's side where there is one). */
  logout(): Promise<void>;
  /** Device linking (QR or pairing code). */
  readonly login?: ChannelLogin;
  /** Reacts to a received message (ack reactions). */
  react?(msg: InboundMessage, emoji: string): Promise<void>;
  /** Marks a received message read. */
  markRead?(msg: InboundMessage): Promise<void>;
  /** Sends a poll. */
  sendPoll?(req: PollRequest): Promise<{ providerMessageId: string }>;
  /** Checks the provider answers (channels.status with probe), within `timeoutMs`. */
  probe?(timeoutMs: number): Promise<ProbeResult>;
  /** A path on the gateway's HTTP port the provider posts to (Slack's Events API in HTTP mode). */
  readonly httpPath?: string | undefined;
  /** Answers a request to `httpPath`; authenticating it (signatures) is the adapter's job. */
  serveHttp?(req: IncomingMessage, res: ServerResponse): void;
}

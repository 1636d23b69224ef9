import { createParser, type EventSourceMessage } from "eventsource-parser";
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import { Backoff } from "@clawdbot/protocol/client";

/** One Server-Sent Event. `event` is "message" when the server named none. */
export interface SseEvent {
  id: string | undefined;
  event: string;
  data: string;
}

export interface SseClientOptions {
  url: string;
  log: Logger;
  onEvent: (ev: SseEvent) => void;
  /** A stream that delivers no byte at all (not even a keep-alive comment) for this long is reopened. */
  silenceMs: number;
  /** Reconnect delays. */
  backoff?: { initialMs: number; maxMs: number };
  /** A single event larger than this ends the connection (the server is broken). */
  maxEventBytes?: number;
  fetch?: typeof fetch;
  headers?: Record<string, string>;
}

/** What the stream is doing, for status pages. */
export interface SseStatus {
  connected: boolean;
  /** Connections opened (the first one included). */
  connects: number;
  /** Connections reopened because they went silent. */
  silentReopens: number;
  lastByteAt: number | null;
  lastEventAt: number | null;
  lastEventId: string | undefined;
  lastError: string | null;
}

class SilentStream extends Error {}

/**
 * A long-lived SSE subscription: opens the stream, feeds chunks (split anywhere, even inside a
 * UTF-8 sequence) to the parser, ignores `:` keep-alives except as a sign of life, reconnects with
 * backoff and `Last-Event-ID`, and reopens a stream that stays open but silent past `silenceMs` —
 * a half-dead TCP connection otherwise looks exactly like a quiet one.
 */
export class SseClient {
  private readonly state: SseStatus = {
    connected: false,
    connects: 0,
    silentReopens: 0,
    lastByteAt: null,
    lastEventAt: null,
    lastEventId: undefined,
    lastError: null,
  };
  private controller: AbortController | undefined;
  private loop: Promise<void> | undefined;
  private readonly backoff: Backoff;
  private firstOpen: { resolve: () => void; reject: (err: Error) => void } | undefined;
  /** Cuts a reconnect wait short. */
  private pause: AbortController | undefined;

  constructor(
    private readonly opts: SseClientOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.backoff = new Backoff(opts.backoff?.initialMs ?? 1000, opts.backoff?.maxMs ?? 30_000);
  }

  status(): SseStatus {
    return { ...this.state };
  }

  /**
   * Starts the subscription; resolves once the first connection is open, rejects if that attempt
   * fails (reconnecting goes on until `stop`).
   */
  start(): Promise<void> {
    if (this.loop) return Promise.resolve();
    const controller = new AbortController();
    this.controller = controller;
    const opened = new Promise<void>((resolve, reject) => (this.firstOpen = { resolve, reject }));
    // The loop keeps reconnecting after a failed first attempt; a caller that does not wait must not crash us.
    opened.catch(() => undefined);
    this.loop = this.run(controller.signal);
    return opened;
  }

  /** Reconnects now instead of waiting out the backoff (the server is known to be back). */
  wake(): void {
    this.backoff.reset();
    this.pause?.abort();
  }

  /** Closes the stream; resolves when nothing is left running. */
  async stop(): Promise<void> {
    this.controller?.abort();
    await this.loop;
    this.loop = undefined;
    this.state.connected = false;
    this.firstOpen?.reject(new Error("stopped"));
    this.firstOpen = undefined;
  }

  private async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.connectOnce(signal);
        if (!signal.aborted) this.state.lastError = "the server ended the stream";
      } catch (err) {
        if (signal.aborted) break;
        this.state.lastError = describe(err);
        if (err instanceof SilentStream) this.state.silentReopens++;
      }
      this.state.connected = false;
      if (signal.aborted) break;
      if (this.firstOpen) {
        this.firstOpen.reject(new Error(this.state.lastError ?? "the stream closed"));
        this.firstOpen = undefined;
      }
      const wait = this.backoff.next();
      this.opts.log.warn({ url: this.opts.url, err: this.state.lastError, retryInMs: wait }, "event stream closed; reconnecting");
      const pause = new AbortController();
      this.pause = pause;
      await sleep(wait, undefined, { signal: AbortSignal.any([signal, pause.signal]) }).catch(() => undefined);
      this.pause = undefined;
    }
  }

  /** One connection, from request to end of stream; the watchdog aborts it when it goes silent. */
  private async connectOnce(outer: AbortSignal): Promise<void> {
    const conn = new AbortController();
    const abortConn = () => conn.abort();
    outer.addEventListener("abort", abortConn, { once: true });
    let watchdog: NodeJS.Timeout | undefined;
    let silent = false;
    const arm = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => {
        silent = true;
        conn.abort();
      }, this.opts.silenceMs);
      watchdog.unref();
    };
    try {
      arm();
      const headers: Record<string, string> = { Accept: "text/event-stream", "Cache-Control": "no-cache", ...this.opts.headers };
      if (this.state.lastEventId !== undefined) headers["Last-Event-ID"] = this.state.lastEventId;
      const res = await (this.opts.fetch ?? fetch)(this.opts.url, { headers, signal: conn.signal });
      if (res.status !== 200 || !res.body) {
        await res.body?.cancel().catch(() => undefined);
        throw new Error(`HTTP ${res.status} from the event stream`);
      }
      const type = res.headers.get("content-type") ?? "";
      if (!type.startsWith("text/event-stream")) {
        await res.body.cancel().catch(() => undefined);
        throw new Error(`the event stream answered ${type || "without a content type"}`);
      }
      this.state.connected = true;
      this.state.connects++;
      this.state.lastError = null;
      this.firstOpen?.resolve();
      this.firstOpen = undefined;
      await this.read(res.body, arm);
    } catch (err) {
      if (silent && !outer.aborted) throw new SilentStream(`no data for ${this.opts.silenceMs} ms; reopening the stream`);
      throw err;
    } finally {
      clearTimeout(watchdog);
      outer.removeEventListener("abort", abortConn);
    }
  }

  private async read(body: ReadableStream<Uint8Array>, alive: () => void): Promise<void> {
    const decoder = new TextDecoder();
    let sawEvent = false;
    let tooBig: Error | undefined;
    const parser = createParser({
      onEvent: (msg: EventSourceMessage) => {
        if (msg.id !== undefined) this.state.lastEventId = msg.id;
        this.state.lastEventAt = this.now();
        if (!sawEvent) {
          sawEvent = true;
          // Only a stream that carried an event counts as healthy; one that closes at once keeps backing off.
          this.backoff.reset();
        }
        this.deliver({ id: msg.id, event: msg.event ?? "message", data: msg.data });
      },
      onError: (err) => {
        if (err.type === "max-buffer-size-exceeded") tooBig = err;
        else this.opts.log.debug({ err: err.message }, "event stream: line ignored");
      },
      maxBufferSize: this.opts.maxEventBytes ?? 16 * 1024 * 1024,
    });
    const reader = body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        this.state.lastByteAt = this.now();
        alive();
        parser.feed(decoder.decode(value, { stream: true }));
        if (tooBig) throw tooBig;
      }
    } finally {
      reader.releaseLock();
      await body.cancel().catch(() => undefined);
    }
  }

  private deliver(ev: SseEvent): void {
    try {
      this.opts.onEvent(ev);
    } catch (err) {
      this.opts.log.error({ err, event: ev.event, id: ev.id }, "event handler failed");
    }
  }
}

function describe(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e?.cause?.code) return `${e.message}: ${e.cause.code}`;
  return e?.message ?? String(err);
}

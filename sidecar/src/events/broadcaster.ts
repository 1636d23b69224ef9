import { scopeSatisfied, type EventName, type EventPayload, type OperatorScope, type Role, type StateVersion } from "@clawdbot/protocol";

/** Something that can receive serialized event frames (a connected client). */
export interface EventSink {
  readonly role: Role;
  readonly scopes: readonly string[];
  /** Sends a text frame (a Buffer holds its UTF-8); `droppable` frames may be skipped for a slow consumer instead of closing it. False when not sent. */
  sendText(text: string | Buffer, droppable: boolean): boolean;
}

export interface BroadcastOptions {
  droppable?: boolean;
  stateVersion?: StateVersion;
  /** Only sinks of these roles receive it (default: all). */
  roles?: readonly Role[];
  /** Only operators holding this scope receive it (pairing events carry public keys). */
  scope?: OperatorScope;
}

/** What one broadcast did: its seq and the bytes queued across all sockets. */
export interface Fanout {
  seq: number;
  bytes: number;
}

/** Fans events out to connected clients with a gap-free seq; serializes each frame once. */
export class Broadcaster {
  private seq = 0;
  private readonly sinks = new Set<EventSink>();

  /** `observe` hears, per broadcast, how many clients got the frame and how many did not. */
  constructor(private readonly observe?: (event: string, sent: number, dropped: number) => void) {}

  add(sink: EventSink): void {
    this.sinks.add(sink);
  }

  remove(sink: EventSink): void {
    this.sinks.delete(sink);
  }

  get size(): number {
    return this.sinks.size;
  }

  /** Sends the event to every matching client; answers its seq and how many bytes went out in all. */
  broadcast<E extends EventName>(event: E, payload: EventPayload<E>, opts: BroadcastOptions = {}): Fanout {
    const seq = ++this.seq;
    const frame: Record<string, unknown> = { type: "event", event, payload, seq };
    if (opts.stateVersion) frame["stateVersion"] = opts.stateVersion;
    // Encoded once: a string would be measured and UTF-8-encoded again for every socket it goes to.
    const text = Buffer.from(JSON.stringify(frame));
    let sent = 0;
    let dropped = 0;
    for (const sink of this.sinks) {
      if (opts.roles && !opts.roles.includes(sink.role)) continue;
      if (opts.scope && (sink.role !== "operator" || !scopeSatisfied(sink.scopes, opts.scope))) continue;
      if (sink.sendText(text, opts.droppable ?? false)) sent++;
      else dropped++;
    }
    this.observe?.(event, sent, dropped);
    return { seq, bytes: sent * text.length };
  }
}

import type { Logger } from "pino";

interface HeldChat {
  holders: number;
  timer: NodeJS.Timeout;
  /** The chat action on its way, so a reply can wait for it and not be followed by "typing…". */
  inflight: Promise<void> | undefined;
}

/**
 * One typing indicator per chat, however many of its messages are queued or running: providers
 * rate-limit chat actions, and one refresh per chat says the same as one per message.
 */
export class TypingIndicators {
  private readonly chats = new Map<string, HeldChat>();

  constructor(
    private readonly everyMs: number,
    private readonly log: Logger,
  ) {}

  /**
   * Shows typing in `chat` (sent now, then every `everyMs`) until every holder has released it.
   * The release resolves once the last holder's release has let any chat action in flight settle.
   */
  hold(chat: string, send: () => Promise<void>): () => Promise<void> {
    let held = this.chats.get(chat);
    if (held) held.holders++;
    else {
      const entry: HeldChat = { holders: 1, timer: setInterval(() => show(), this.everyMs), inflight: undefined };
      const show = () => {
        if (entry.inflight) return;
        // A send that throws instead of rejecting must not escape into the interval's callback.
        entry.inflight = Promise.resolve()
          .then(send)
          .catch((err: unknown) => this.log.debug({ err, chat }, "typing indicator failed"))
          .finally(() => (entry.inflight = undefined));
      };
      entry.timer.unref();
      show();
      held = entry;
      this.chats.set(chat, held);
    }
    const entry = held;
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      if (--entry.holders > 0) return;
      clearInterval(entry.timer);
      this.chats.delete(chat);
      await entry.inflight;
    };
  }

  /** Chats currently showing typing. */
  get size(): number {
    return this.chats.size;
  }
}

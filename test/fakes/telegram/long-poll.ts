// getUpdates as Telegram serves it: updates wait in a queue until a poll confirms them with a
// higher offset; a poll with nothing to return is held up to `timeout` seconds; a newer poll
// terminates the held one with 409 Conflict.
import type { Message, Update } from "grammy/types";

export interface PollRequest {
  offset: number;
  limit: number;
  timeoutSec: number;
}

/** How a poll ends: with updates (possibly none), or terminated by a newer poll. */
export interface PollAnswer {
  updates(list: Update[]): void;
  conflict(): void;
}

interface HeldPoll {
  req: PollRequest;
  answer: PollAnswer;
  timer: NodeJS.Timeout;
}

export class UpdateQueue {
  private pending: Update[] = [];
  private lastId = 0;
  private held: HeldPoll | undefined;

  /** Updates not yet confirmed by an offset. */
  get size(): number {
    return this.pending.length;
  }

  /** Queues a message update and wakes a held poll. */
  push(message: Message): Update {
    const update = { update_id: ++this.lastId, message } as Update;
    this.pending.push(update);
    const held = this.held;
    if (held) {
      this.release(held);
      held.answer.updates(this.take(held.req));
    }
    return update;
  }

  /**
   * Serves one getUpdates. Returns a cancel function for when the client goes away while held.
   * Any poll held from before is answered 409, as Telegram does when two instances poll one bot.
   */
  poll(req: PollRequest, answer: PollAnswer): () => void {
    if (this.held) {
      const older = this.held;
      this.release(older);
      older.answer.conflict();
    }
    this.confirm(req.offset);
    const ready = this.take(req);
    if (ready.length > 0 || req.timeoutSec <= 0) {
      answer.updates(ready);
      return () => undefined;
    }
    const held: HeldPoll = { req, answer, timer: setTimeout(() => this.expire(held), req.timeoutSec * 1000) };
    this.held = held;
    return () => this.release(held);
  }

  /** Forgets every queued update (deleteWebhook with drop_pending_updates). */
  dropPending(): void {
    this.pending = [];
  }

  /** Answers a held poll (server shutting down). */
  close(): void {
    if (this.held) {
      const held = this.held;
      this.release(held);
      held.answer.updates([]);
    }
  }

  private expire(held: HeldPoll): void {
    if (this.held !== held) return;
    this.held = undefined;
    held.answer.updates([]);
  }

  private release(held: HeldPoll): void {
    clearTimeout(held.timer);
    if (this.held === held) this.held = undefined;
  }

  /** A positive offset confirms every update below it; a negative one keeps only the last -offset. */
  private confirm(offset: number): void {
    if (offset > 0) this.pending = this.pending.filter((u) => u.update_id >= offset);
    else if (offset < 0) this.pending = this.pending.slice(offset);
  }

  private take(req: PollRequest): Update[] {
    return this.pending.slice(0, req.limit);
  }
}

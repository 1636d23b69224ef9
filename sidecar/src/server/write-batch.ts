import type { Duplex } from "node:stream";

/** A batch this large leaves at once, so it never grows into a backlog of its own. */
const MAX_BATCH_BYTES = 64 * 1024;

/**
 * Coalesces what one socket is sent within one turn of the event loop into a single write:
 * 64 pipelined requests answered in the same turn cost one syscall instead of 64. The socket is
 * corked on the first frame of a turn and uncorked once the turn's callbacks and promise
 * reactions have run (a tick queued from them runs after all of them).
 */
export class WriteBatch {
  private held = false;

  constructor(private readonly socket: Duplex) {}

  /** Before a frame is written: holds this turn's frames back until the turn ends. */
  hold(): void {
    if (this.held) return;
    this.held = true;
    this.socket.cork();
    process.nextTick(this.release);
  }

  /** After a frame is written: a batch past MAX_BATCH_BYTES leaves now. */
  written(): void {
    if (this.held && this.socket.writableLength >= MAX_BATCH_BYTES) this.release();
  }

  /** Writes what is held now; true when something was held. */
  readonly release = (): boolean => {
    if (!this.held) return false;
    this.held = false;
    this.socket.uncork();
    return true;
  };
}

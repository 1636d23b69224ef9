// Time as the scheduler sees it, driven by the test: a wall clock (`now`) and timers that follow a
// monotonic clock, like Node's. `advance` moves both and fires due timers in order, letting the
// work each one starts finish (`settle`) before the next; `jumpWall` sets the wall clock alone, as
// an NTP step or a user changing the time would.
import type { Timers, TimerHandle } from "@clawdbot/sidecar";

interface Pending {
  at: number;
  fn: () => void;
}

export class FakeClock implements Timers {
  private mono = 0;
  private offset: number;
  private seq = 0;
  private readonly pending = new Map<number, Pending>();
  /** Every delay a timer was armed with (the scheduler's sleeps). */
  readonly delays: number[] = [];

  constructor(startWallMs: number) {
    this.offset = startWallMs;
  }

  readonly now = (): number => this.mono + this.offset;

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = ++this.seq;
    this.delays.push(ms);
    this.pending.set(id, { at: this.mono + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.pending.delete(handle as number);
  }

  /** Timers armed and not yet fired. */
  get armed(): number {
    return this.pending.size;
  }

  /** Moves time forward by `ms`, firing each due timer and awaiting `settle` after it. */
  async advance(ms: number, settle: () => Promise<void>): Promise<void> {
    const target = this.mono + ms;
    for (;;) {
      let first: [number, Pending] | undefined;
      for (const e of this.pending) if (e[1].at <= target && (!first || e[1].at < first[1].at)) first = e;
      if (!first) break;
      this.pending.delete(first[0]);
      this.mono = Math.max(this.mono, first[1].at);
      first[1].fn();
      await settle();
    }
    this.mono = target;
    await settle();
  }

  /** Advances to a wall-clock instant. */
  advanceTo(wallMs: number, settle: () => Promise<void>): Promise<void> {
    return this.advance(Math.max(0, wallMs - this.now()), settle);
  }

  /** Sets the wall clock by `ms` (negative: back) without moving timers. */
  jumpWall(ms: number): void {
    this.offset += ms;
  }
}

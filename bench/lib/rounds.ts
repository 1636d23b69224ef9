import { emit } from "./ipc.js";
import { Samples, type LatencySummary } from "./stats.js";

/** What one measured window of a load generator produced. */
export interface WindowStats extends LatencySummary {
  count: number;
  errors: number;
  seconds: number;
  firstError?: string;
}

/** Drives one target: `run(ms)` loads it for `ms` and counts only what completes inside the window. */
export interface Driver {
  run(ms: number): Promise<WindowStats>;
}

export interface RoundsSpec {
  warmupMs: number;
  windowMs: number;
  rounds: number;
}

/**
 * Warms every target up, then measures them in alternating rounds (A B A B …) so a change in
 * background load hits all targets alike. Each window is bracketed by {type:"window-start"} and
 * {type:"window-end", …stats} so the orchestrator can sample CPU time around it.
 */
export async function runRounds(targets: readonly { target: string; driver: Driver }[], spec: RoundsSpec): Promise<void> {
  for (const t of targets) await t.driver.run(spec.warmupMs);
  for (let round = 0; round < spec.rounds; round++) {
    for (const t of targets) {
      emit({ type: "window-start", target: t.target, round });
      const stats = await t.driver.run(spec.windowMs);
      emit({ type: "window-end", target: t.target, round, ...stats });
    }
  }
}

/** Counts and latencies of one window. */
export class Tally {
  count = 0;
  errors = 0;
  firstError: string | undefined;
  private readonly lat: Samples;

  constructor(capacity: number) {
    this.lat = new Samples(capacity);
  }

  ok(latencyMs: number): void {
    this.count++;
    this.lat.add(latencyMs);
  }

  fail(message: string): void {
    this.errors++;
    this.firstError ??= message;
  }

  stats(seconds: number): WindowStats {
    return {
      count: this.count,
      errors: this.errors,
      seconds,
      ...this.lat.summary(),
      ...(this.firstError !== undefined ? { firstError: this.firstError } : {}),
    };
  }
}

/** A window that closes after `ms`; `open` turns false then and `closed` resolves. */
export class Clock {
  open = true;
  readonly startedAt = performance.now();
  private endedAt = 0;
  readonly closed: Promise<void>;

  constructor(ms: number) {
    this.closed = new Promise((resolve) =>
      setTimeout(() => {
        this.open = false;
        this.endedAt = performance.now();
        resolve();
      }, ms),
    );
  }

  get seconds(): number {
    return ((this.endedAt || performance.now()) - this.startedAt) / 1000;
  }
}

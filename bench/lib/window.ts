import { emit } from "./ipc.js";

export interface WindowSpec {
  warmupMs: number;
  durationMs: number;
}

/**
 * Load-generator timing: a warm-up that is not counted, then a measured window. Emits
 * {type:"measure-start"} when it opens so the orchestrator can sample the server's CPU time.
 */
export class MeasureWindow {
  measuring = false;
  stopped = false;
  private startedAt = 0;
  private endedAt = 0;
  private readonly timers: NodeJS.Timeout[] = [];
  private onStop: () => void = () => undefined;

  constructor(spec: WindowSpec) {
    this.timers.push(setTimeout(() => this.open(), spec.warmupMs));
    this.timers.push(setTimeout(() => this.stop(), spec.warmupMs + spec.durationMs));
  }

  /** Called once when the window closes (time up, or the load ran out of its count budget). */
  whenStopped(fn: () => void): void {
    this.onStop = fn;
  }

  stop(): void {
    if (this.stopped) return;
    if (this.measuring) this.endedAt = performance.now();
    this.measuring = false;
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.onStop();
  }

  /** Measured seconds (0 if the window never opened). */
  get seconds(): number {
    return this.endedAt > this.startedAt ? (this.endedAt - this.startedAt) / 1000 : 0;
  }

  private open(): void {
    this.startedAt = performance.now();
    this.measuring = true;
    emit({ type: "measure-start" });
  }
}

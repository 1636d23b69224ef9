import type { HeartbeatEvent } from "@clawdbot/protocol";

/** Emits a heartbeat on an interval while enabled; remembers the last one. */
export class HeartbeatRunner {
  private timer: NodeJS.Timeout | undefined;
  private last: HeartbeatEvent | null = null;
  private on: boolean;

  constructor(
    enabled: boolean,
    private interval: number,
    private readonly now: () => number,
    private readonly emit: (hb: HeartbeatEvent) => void,
  ) {
    this.on = enabled;
  }

  get intervalMs(): number {
    return this.interval;
  }

  /** Changes the interval (config reload); re-arms when running. */
  setInterval(ms: number): void {
    if (ms === this.interval) return;
    this.interval = ms;
    if (this.on && this.timer) this.arm();
  }

  get enabled(): boolean {
    return this.on;
  }

  get lastHeartbeat(): HeartbeatEvent | null {
    return this.last;
  }

  start(): void {
    if (this.on) this.arm();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Turns heartbeats on or off; returns whether the setting changed. */
  setEnabled(enabled: boolean): boolean {
    if (enabled === this.on) return false;
    this.on = enabled;
    if (enabled) this.arm();
    else this.stop();
    return true;
  }

  /** Runs one heartbeat now. */
  beat(reason: string): HeartbeatEvent {
    const started = this.now();
    // The beat itself delivers nothing: the reference's "ok-empty" (ran, nothing to send).
    const hb: HeartbeatEvent = { ts: started, status: "ok-empty", reason, durationMs: Math.max(0, this.now() - started) };
    this.last = hb;
    this.emit(hb);
    return hb;
  }

  private arm(): void {
    this.stop();
    this.timer = setInterval(() => this.beat("interval"), this.interval);
    this.timer.unref();
  }
}

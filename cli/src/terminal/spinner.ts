const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/** A one-line "⠋ waiting for the agent… 3s" on a terminal; erased when stopped. Draws nothing elsewhere. */
export class Spinner {
  private timer: NodeJS.Timeout | undefined;
  private frame = 0;
  private startedAt = 0;

  constructor(
    private readonly out: NodeJS.WritableStream & { isTTY?: boolean },
    private readonly label: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** Starts drawing (only on a TTY); returns itself. */
  start(): this {
    if (this.out.isTTY !== true || this.timer) return this;
    this.startedAt = this.now();
    this.draw();
    this.timer = setInterval(() => this.draw(), 100);
    this.timer.unref();
    return this;
  }

  /** Erases the line; safe to call more than once. */
  stop(): void {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.out.write("\r\u001b[K");
  }

  private draw(): void {
    const seconds = Math.floor((this.now() - this.startedAt) / 1000);
    this.out.write(`\r\u001b[K${FRAMES[this.frame++ % FRAMES.length]} ${this.label} ${seconds}s`);
  }
}

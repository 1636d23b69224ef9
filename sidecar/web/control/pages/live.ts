// A page's data that follows the gateway: loaded when the page opens, loaded again (once, however
// many events arrive together) when an event says it changed, while the page is shown.

import type { EventName } from "@clawdbot/protocol/browser";
import type { Ctx } from "../context.js";

export class LiveData {
  private shown = false;
  private again = false;
  private running: Promise<void> | undefined;
  /** The last load failure, shown on the page; cleared by a successful load. */
  error: string | undefined;
  loaded = false;

  constructor(
    private readonly ctx: Ctx,
    private readonly load: () => Promise<void>,
    events: readonly EventName[] = [],
  ) {
    for (const e of events) ctx.client.on(e, () => this.changed());
  }

  /** The page is shown: load now. */
  show(): Promise<void> {
    this.shown = true;
    return this.reload();
  }

  hide(): void {
    this.shown = false;
  }

  get visible(): boolean {
    return this.shown;
  }

  /** Something changed on the gateway: load again if the page is shown. */
  changed(): void {
    if (this.shown && this.ctx.client.connected) void this.reload();
  }

  /** Loads now, or once more right after the load in progress. */
  reload(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.run().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        void this.reload();
      }
    });
    return this.running;
  }

  private async run(): Promise<void> {
    try {
      await this.load();
      this.error = undefined;
      this.loaded = true;
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
    }
    this.ctx.update();
  }
}

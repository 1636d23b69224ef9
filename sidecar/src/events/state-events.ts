import type { StateVersion } from "@clawdbot/protocol";
import type { Broadcaster } from "./broadcaster.js";
import type { PresenceRegistry } from "../state/presence.js";
import type { HealthState } from "../state/health.js";

/** Bytes per second that `presence` snapshots may send across all sockets while presence keeps changing. */
export const PRESENCE_BYTES_PER_SECOND = 32 * 1024 * 1024;
/** The longest a presence change waits to go out. */
const PRESENCE_MAX_WAIT_MS = 5000;
/** Below this, a snapshot's share of the budget is too small to be worth holding changes back. */
const PRESENCE_MIN_WAIT_MS = 10;

/** Broadcasts `presence` and `health` snapshots stamped with the current stateVersion. */
export class StateEvents {
  private presenceTimer: NodeJS.Timeout | undefined;
  private presencePending = false;

  constructor(
    private readonly broadcaster: Broadcaster,
    private readonly presence: PresenceRegistry,
    private readonly health: HealthState,
    private readonly presenceBytesPerSecond = PRESENCE_BYTES_PER_SECOND,
  ) {}

  stateVersion(): StateVersion {
    return { presence: this.presence.version, health: this.health.version };
  }

  /**
   * Each snapshot lists everyone and goes to every operator, so one per change costs the square of
   * the connection count when many connect or leave together. A snapshot therefore goes out at once
   * unless the previous one's bytes, at PRESENCE_BYTES_PER_SECOND, still fill the time since; changes
   * in that time go out together as one snapshot at its end. A few clients are never held back.
   */
  presenceChanged(): void {
    if (this.presenceTimer) {
      this.presencePending = true;
      return;
    }
    const { bytes } = this.broadcaster.broadcast(
      "presence",
      { presence: this.presence.list() },
      { stateVersion: this.stateVersion(), roles: ["operator"] },
    );
    const waitMs = Math.min(PRESENCE_MAX_WAIT_MS, (bytes / this.presenceBytesPerSecond) * 1000);
    if (waitMs < PRESENCE_MIN_WAIT_MS) return;
    this.presenceTimer = setTimeout(() => {
      this.presenceTimer = undefined;
      if (!this.presencePending) return;
      this.presencePending = false;
      this.presenceChanged();
    }, waitMs);
    this.presenceTimer.unref();
  }

  healthChanged(): void {
    this.broadcaster.broadcast("health", this.health.snapshot(), { stateVersion: this.stateVersion(), droppable: true });
  }

  /** Drops a snapshot still waiting to go out (the gateway is stopping). */
  stop(): void {
    clearTimeout(this.presenceTimer);
    this.presenceTimer = undefined;
    this.presencePending = false;
  }
}

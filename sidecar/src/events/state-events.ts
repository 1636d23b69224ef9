import type { StateVersion } from "@clawdbot/protocol";
import type { Broadcaster } from "./broadcaster.js";
import type { PresenceRegistry } from "../state/presence.js";
import type { HealthState } from "../state/health.js";

/** Broadcasts `presence` and `health` snapshots stamped with the current stateVersion. */
export class StateEvents {
  constructor(
    private readonly broadcaster: Broadcaster,
    private readonly presence: PresenceRegistry,
    private readonly health: HealthState,
  ) {}

  stateVersion(): StateVersion {
    return { presence: this.presence.version, health: this.health.version };
  }

  presenceChanged(): void {
    this.broadcaster.broadcast(
      "presence",
      { presence: this.presence.list() },
      { stateVersion: this.stateVersion(), roles: ["operator"] },
    );
  }

  healthChanged(): void {
    this.broadcaster.broadcast("health", this.health.snapshot(), { stateVersion: this.stateVersion(), droppable: true });
  }
}

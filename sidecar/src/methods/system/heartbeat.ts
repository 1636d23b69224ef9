import type { Handler } from "../context.js";
import type { GatewayServices } from "../../services.js";

/** What these handlers may reach. */
export type HeartbeatDeps = Pick<GatewayServices, "heartbeat" | "health" | "stateEvents">;


/** `last-heartbeat`: the latest heartbeat or null. */
export const lastHeartbeatHandler =
  (s: HeartbeatDeps): Handler<"last-heartbeat"> =>
  () =>
    s.heartbeat.lastHeartbeat;

/** `set-heartbeats`: turns heartbeats on/off; a change is a health change. */
export const setHeartbeatsHandler =
  (s: HeartbeatDeps): Handler<"set-heartbeats"> =>
  (params) => {
    s.heartbeat.setEnabled(params.enabled);
    const changed = s.health.update((f) => ({ ...f, heartbeat: { ...f.heartbeat, enabled: params.enabled } }));
    if (changed) s.stateEvents.healthChanged();
    return { ok: true as const, enabled: s.heartbeat.enabled };
  };

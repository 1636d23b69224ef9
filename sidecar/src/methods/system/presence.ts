import type { PresenceEntry } from "@clawdbot/protocol";
import { GatewayError } from "../../errors.js";
import { SECRET_ONLY_TAG } from "../../state/presence.js";
import type { Handler } from "../context.js";
import type { GatewayServices } from "../../services.js";

/** What these handlers may reach. */
export type PresenceDeps = Pick<GatewayServices, "presence" | "now" | "stateEvents">;


/** `system-presence`: the presence list. */
export const systemPresenceHandler =
  (s: PresenceDeps): Handler<"system-presence"> =>
  () =>
    s.presence.list();

/** `system-event`: the caller updates its own presence row (never another device's). */
export const systemEventHandler =
  (s: PresenceDeps): Handler<"system-event"> =>
  (params, ctx) => {
    const { caller } = ctx;
    if (params.deviceId !== undefined && params.deviceId !== caller.deviceId) {
      throw new GatewayError("forbidden", "system-event may only describe the calling device");
    }
    const { idempotencyKey: _key, deviceId: _id, ...fields } = params;
    const patch: Partial<PresenceEntry> = { ...fields, ts: s.now(), reason: params.reason ?? "system-event" };
    // A secret-only connection cannot talk its way out of being shown as one.
    if (caller.deviceId === undefined) patch.tags = [...new Set([...(fields.tags ?? []), SECRET_ONLY_TAG])];
    if (!s.presence.update(caller.presenceKey, patch)) {
      s.presence.join(caller.presenceKey, caller.connId, {
        ...patch,
        ts: s.now(),
        ...(caller.deviceId ? { deviceId: caller.deviceId } : {}),
      });
    }
    s.stateEvents.presenceChanged();
    return { ok: true as const };
  };

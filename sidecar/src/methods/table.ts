import type { GatewayServices } from "../services.js";
import type { HandlerTable } from "./context.js";
import { healthHandler } from "./system/health.js";
import { statusHandler } from "./system/status.js";
import { systemEventHandler, systemPresenceHandler } from "./system/presence.js";
import { lastHeartbeatHandler, setHeartbeatsHandler } from "./system/heartbeat.js";
import { logsTailHandler } from "./system/logs.js";
import { configGetHandler, configSchemaHandler } from "./system/config.js";

/** Binds every declared method to its handler. */
export function buildHandlers(s: GatewayServices): HandlerTable {
  return {
    health: healthHandler(s),
    status: statusHandler(s),
    "system-presence": systemPresenceHandler(s),
    "system-event": systemEventHandler(s),
    "last-heartbeat": lastHeartbeatHandler(s),
    "set-heartbeats": setHeartbeatsHandler(s),
    "logs.tail": logsTailHandler(s),
    "config.get": configGetHandler(s),
    "config.schema": configSchemaHandler(s),
  };
}

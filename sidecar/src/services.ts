import type { GatewayConfig, LoadedConfigFile } from "./config/index.js";
import type { PresenceRegistry } from "./state/presence.js";
import type { HealthState } from "./state/health.js";
import type { HeartbeatRunner } from "./state/heartbeat.js";
import type { LogRing } from "./logging/log-ring.js";
import type { StateEvents } from "./events/state-events.js";
import type { Broadcaster } from "./events/broadcaster.js";
import type { DeviceStore } from "./pairing/device-store.js";

/** What method handlers may use; built once by the gateway and passed down. */
export interface GatewayServices {
  readonly config: GatewayConfig;
  readonly configFile: LoadedConfigFile;
  readonly version: string;
  readonly hostname: string;
  readonly startedAt: number;
  readonly now: () => number;
  readonly presence: PresenceRegistry;
  readonly health: HealthState;
  readonly heartbeat: HeartbeatRunner;
  readonly logRing: LogRing;
  readonly stateEvents: StateEvents;
  readonly broadcaster: Broadcaster;
  readonly devices: DeviceStore;
  /** Open WebSocket connections (any state). */
  connectionCount(): number;
  /** ws:// URL clients use to reach this gateway. */
  url(): string;
}

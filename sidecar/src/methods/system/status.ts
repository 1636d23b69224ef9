import type { Handler } from "../context.js";
import type { GatewayServices } from "../../services.js";
import type { GatewayAddresses } from "../../server/addresses.js";

/** What these handlers may reach. */
export type StatusDeps = Pick<GatewayServices, "config" | "version" | "hostname" | "startedAt" | "now" | "port" | "url" | "connectionCount" | "connectionsByRole" | "tls" | "heartbeat" | "devices" | "addresses">;


/** `status`: what this gateway is and where it lives. */
export const statusHandler =
  (s: StatusDeps): Handler<"status"> =>
  () => ({
    version: s.version,
    pid: process.pid,
    host: s.hostname,
    bind: s.config.host,
    port: s.port(),
    url: s.url(),
    uptimeMs: s.now() - s.startedAt,
    connections: s.connectionCount(),
    connectionsByRole: s.connectionsByRole(),
    stateDir: s.config.paths.stateDir,
    configPath: s.config.paths.configPath,
    auth: s.config.auth.mode,
    tls: s.tls ? { enabled: true, fingerprintSha256: s.tls.fingerprint256 } : { enabled: false },
    ...addressFields(s.addresses()),
    heartbeats: s.heartbeat.enabled,
    pairedDevices: s.devices.listPaired().length,
    pendingPairings: s.devices.listPending().length,
  });

function addressFields(a: GatewayAddresses) {
  return {
    webchatUrl: a.webchatUrl,
    ...(a.canvasHostUrl ? { canvasHostUrl: a.canvasHostUrl } : {}),
    ...(a.canvasHostProblem ? { canvasHostProblem: a.canvasHostProblem } : {}),
  };
}

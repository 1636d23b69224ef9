import type { Result } from "@clawdbot/protocol";
import { formatDuration } from "./health.js";

/** Human form of `status`: what the gateway is, and every address it is reached at. */
export function formatStatus(s: Result<"status">): string {
  const tls = (s as { tls?: { enabled?: boolean; fingerprintSha256?: string } }).tls;
  return [
    `gateway ${s.version} on ${s.url} (pid ${s.pid}, host ${s.host})`,
    `WebSocket: ${s.url}`,
    `WebChat: ${s.webchatUrl ?? "-"}`,
    `canvas host: ${s.canvasHostUrl ?? s.canvasHostProblem ?? "-"}`,
    `TLS: ${tls?.enabled && tls.fingerprintSha256 ? `SHA-256 ${tls.fingerprintSha256}` : "off"}`,
    `uptime: ${formatDuration(s.uptimeMs)}`,
    `auth: ${s.auth}`,
    `connections: ${s.connections}`,
    `state dir: ${s.stateDir}`,
    `config: ${s.configPath}`,
  ].join("\n");
}

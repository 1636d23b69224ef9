import type { Result } from "@clawdbot/protocol";
import { formatDuration } from "./health.js";

/** Human form of `status`. */
export function formatStatus(s: Result<"status">): string {
  return [
    `gateway ${s.version} on ${s.url} (pid ${s.pid}, host ${s.host})`,
    `uptime: ${formatDuration(s.uptimeMs)}`,
    `auth: ${s.auth}`,
    `connections: ${s.connections}`,
    `state dir: ${s.stateDir}`,
    `config: ${s.configPath}`,
  ].join("\n");
}

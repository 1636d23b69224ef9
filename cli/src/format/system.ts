import type { HeartbeatEvent, PresenceEntry } from "@clawdbot/protocol";
import { ago } from "./time.js";

/** Human form of `system-presence`: one line per client or node, newest first. */
export function formatPresence(entries: readonly PresenceEntry[], now = Date.now()): string {
  if (entries.length === 0) return "no presence entries";
  return [...entries]
    .sort((a, b) => b.ts - a.ts)
    .map((e) => {
      const who = e.host ?? e.deviceId?.slice(0, 12) ?? e.instanceId ?? "?";
      const what = [e.mode, e.platform, e.deviceFamily, e.version].filter(Boolean).join(" ");
      const where = e.ip ? ` (${e.ip})` : "";
      return `${who}${where}  ${what || "-"}  ${ago(e.ts, now)}${e.text ? `  ${e.text}` : ""}`;
    })
    .join("\n");
}

/** Human form of `last-heartbeat`. */
export function formatHeartbeat(hb: HeartbeatEvent | null, now = Date.now()): string {
  if (hb === null) return "no heartbeat yet";
  return `${hb.status}${hb.reason ? ` (${hb.reason})` : ""} ${ago(hb.ts, now)}${hb.durationMs !== undefined ? `, took ${hb.durationMs} ms` : ""}`;
}

import type { Result } from "@clawdbot/protocol";

/** Human form of `health`. */
export function formatHealth(h: Result<"health">): string {
  const hb = (h as { heartbeat?: { enabled?: boolean } }).heartbeat;
  const state = h.ok ? "healthy" : h.failingChannels.length > 0 ? `unhealthy: ${h.failingChannels.join(", ")} down` : "unhealthy";
  const lines = [`gateway: ${state} (answered in ${h.durationMs}ms)`, `uptime: ${formatDuration(h.uptimeMs)}`];
  if (hb) lines.push(`heartbeats: ${hb.enabled ? `on, every ${h.heartbeatSeconds}s` : "off"}`);
  for (const id of h.channelOrder) {
    const c = h.channels[id] as { running?: boolean; connected?: boolean; lastError?: string | null } | undefined;
    const what = c?.running && c.connected ? "ok" : c?.running ? "running, not connected" : "not running";
    lines.push(`${h.channelLabels[id] ?? id}: ${what}${c?.lastError ? ` (${c.lastError})` : ""}`);
  }
  lines.push(`sessions: ${h.sessions.count}`);
  return lines.join("\n");
}

/** 3725000 → "1h 2m 5s". */
export function formatDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  const parts = [
    [Math.floor(s / 86400), "d"],
    [Math.floor((s % 86400) / 3600), "h"],
    [Math.floor((s % 3600) / 60), "m"],
    [s % 60, "s"],
  ] as const;
  const shown = parts.filter(([n], i) => n > 0 || i === parts.length - 1);
  return shown.map(([n, u]) => `${n}${u}`).join(" ");
}

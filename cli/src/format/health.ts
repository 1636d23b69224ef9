import type { Result } from "@clawdbot/protocol";

/** Human form of `health`. */
export function formatHealth(h: Result<"health">): string {
  const hb = (h as { heartbeat?: { enabled?: boolean } }).heartbeat;
  const lines = [`gateway: ${h.ok ? "healthy" : "unhealthy"}`, `uptime: ${formatDuration(h.uptimeMs)}`];
  if (hb) lines.push(`heartbeats: ${hb.enabled ? "on" : "off"}`);
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

import type { Result } from "@clawdbot/protocol";

type PairList = Result<"device.pair.list">;
type Pending = PairList["pending"][number];
type Paired = PairList["paired"][number];

function ago(ms: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  return `${Math.round(s / 3600)}h ago`;
}

/** One line per pending request. */
export function formatPendingLine(r: Pending): string {
  const who = r.displayName ?? r.clientId ?? "device";
  const from = r.remoteIp ? ` from ${r.remoteIp}` : "";
  const scopes = r.scopes && r.scopes.length > 0 ? ` scopes ${r.scopes.join(",")}` : "";
  return `${r.requestId}  ${who} (${r.platform ?? "?"}) role ${r.role ?? "operator"}${scopes}${from}, ${ago(r.ts)}${r.isRepair ? " [repair]" : ""}`;
}

/** Human form of `device.pair.list` (pending first). */
export function formatPairList(l: PairList): string {
  const lines: string[] = [];
  lines.push(l.pending.length === 0 ? "no pending requests" : `pending (${l.pending.length}):`);
  for (const r of l.pending) lines.push(`  ${formatPendingLine(r)}`);
  return lines.join("\n");
}

/** One line per paired device. */
export function formatDevice(d: Paired): string {
  const tokens = d.tokens.map((t) => `${t.role}${t.revokedAtMs !== undefined ? " (revoked)" : ""}`).join(", ") || "none";
  const seen = d.lastSeenAtMs !== undefined ? `seen ${ago(d.lastSeenAtMs)}` : "never seen";
  return `${d.deviceId.slice(0, 16)}…  ${d.displayName ?? d.clientId ?? "device"} (${d.platform ?? "?"}) roles ${d.roles.join(",")} scopes ${d.scopes.join(",") || "-"} tokens ${tokens}, ${seen}`;
}

/** Human form of the paired device list. */
export function formatDevices(paired: readonly Paired[]): string {
  if (paired.length === 0) return "no paired devices";
  return paired.map(formatDevice).join("\n");
}

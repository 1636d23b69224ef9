/** "5s ago", "3m ago", "2h ago", "4d ago" (or "in 3m" for future times). */
export function ago(ts: number, now = Date.now()): string {
  const d = now - ts;
  const s = Math.round(Math.abs(d) / 1000);
  const text = s < 60 ? `${s}s` : s < 3600 ? `${Math.round(s / 60)}m` : s < 86_400 ? `${Math.round(s / 3600)}h` : `${Math.round(s / 86_400)}d`;
  return d >= 0 ? `${text} ago` : `in ${text}`;
}

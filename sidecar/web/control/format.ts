// Numbers and times as people read them.

const UNITS: [number, string][] = [
  [86_400_000, "d"],
  [3_600_000, "h"],
  [60_000, "min"],
  [1000, "s"],
];

/** "3 h 12 min", "45 s": the two largest units of a duration. */
export function duration(ms: number): string {
  if (!(ms >= 1000)) return "0 s";
  const parts: string[] = [];
  let rest = ms;
  for (const [size, unit] of UNITS) {
    if (rest < size && parts.length === 0) continue;
    parts.push(`${Math.floor(rest / size)} ${unit}`);
    rest %= size;
    if (parts.length === 2) break;
  }
  return parts.join(" ");
}

/** "5 min ago", "just now", "never". */
export function ago(ts: number | null | undefined, now = Date.now()): string {
  if (ts === null || ts === undefined) return "never";
  const d = now - ts;
  if (d < 5000) return "just now";
  return d < 0 ? `in ${duration(-d)}` : `${duration(d)} ago`;
}

/** "in 4 min" for a time ahead, "overdue" for one passed. */
export function until(ts: number | null | undefined, now = Date.now()): string {
  if (ts === null || ts === undefined) return "—";
  return ts >= now ? `in ${duration(ts - now) === "0 s" ? "a moment" : duration(ts - now)}` : "overdue";
}

/** Local date and time for a title attribute. */
export function when(ts: number | null | undefined): string {
  return ts === null || ts === undefined ? "" : new Date(ts).toLocaleString();
}

export { fingerprint } from "../shared/gate.js";

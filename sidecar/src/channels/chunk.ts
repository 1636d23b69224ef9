/**
 * Splits text into pieces of at most `limit` characters, preferring paragraph, then line,
 * then word boundaries, never splitting a surrogate pair. `measure` gives a piece's size as the
 * provider counts it (after escaping, say) when that differs from its length; it must never be
 * smaller than the length and must grow with it.
 */
export function chunkText(text: string, limit: number, measure?: (piece: string) => number): string[] {
  if (limit < 1) throw new RangeError("limit must be positive");
  const size = measure ?? ((s: string) => s.length);
  const out: string[] = [];
  let rest = text;
  while (size(rest) > limit) {
    const fit = measure ? longestFitting(rest, limit, measure) : limit;
    const window = rest.slice(0, fit);
    let cut = Math.max(window.lastIndexOf("\n\n"), -1);
    if (cut < fit / 2) cut = window.lastIndexOf("\n");
    if (cut < fit / 2) cut = window.lastIndexOf(" ");
    if (cut < fit / 2) cut = fit;
    const code = rest.charCodeAt(cut - 1);
    if (code >= 0xd800 && code <= 0xdbff && cut > 1) cut -= 1;
    out.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).replace(/^\s+/, "");
  }
  if (rest.length > 0 || out.length === 0) out.push(rest);
  return out.filter((p, i) => p.length > 0 || i === 0);
}

/** The longest prefix of `text` whose measure stays within `limit` (at least one character). */
function longestFitting(text: string, limit: number, measure: (piece: string) => number): number {
  let lo = 1;
  let hi = Math.min(text.length, limit);
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (measure(text.slice(0, mid)) <= limit) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

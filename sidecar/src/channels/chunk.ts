/**
 * Splits text into pieces of at most `limit` characters, preferring paragraph, then line,
 * then word boundaries, never splitting a surrogate pair.
 */
export function chunkText(text: string, limit: number): string[] {
  if (limit < 1) throw new RangeError("limit must be positive");
  const out: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    const window = rest.slice(0, limit);
    let cut = Math.max(window.lastIndexOf("\n\n"), -1);
    if (cut < limit / 2) cut = window.lastIndexOf("\n");
    if (cut < limit / 2) cut = window.lastIndexOf(" ");
    if (cut < limit / 2) cut = limit;
    const code = rest.charCodeAt(cut - 1);
    if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
    out.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).replace(/^\s+/, "");
  }
  if (rest.length > 0 || out.length === 0) out.push(rest);
  return out.filter((p, i) => p.length > 0 || i === 0);
}

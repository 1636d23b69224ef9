/** Helpers shared by the device and node pairing stores. */

export const PENDING_TTL_MS = 5 * 60_000;

/** An own property of a record keyed by ids (never one from the prototype, e.g. `__proto__`). */
export function own<T>(rec: Record<string, T>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(rec, key) ? rec[key] : undefined;
}

/** Pending requests younger than the TTL. */
export function livePending<T extends { ts: number }>(pending: Record<string, T>, now: number): T[] {
  const cutoff = now - PENDING_TTL_MS;
  return Object.values(pending).filter((r) => r.ts >= cutoff);
}

/** Deletes pending requests older than the TTL (inside a store mutation). */
export function prunePending(pending: Record<string, { ts: number }>, now: number): void {
  const cutoff = now - PENDING_TTL_MS;
  for (const [id, r] of Object.entries(pending)) if (r.ts < cutoff) delete pending[id];
}

/** Same members, order aside (scope lists). */
export function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

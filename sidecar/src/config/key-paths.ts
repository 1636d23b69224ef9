/** A JSON value read from a config file. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Every leaf (non-object value, arrays included) with its key path. */
export function leaves(value: unknown, prefix: string[] = []): [string[], unknown][] {
  if (!isPlainObject(value)) return prefix.length > 0 ? [[prefix, value]] : [];
  return Object.entries(value).flatMap(([k, v]) => leaves(v, [...prefix, k]));
}

/** The value at a key path, or undefined. */
export function valueAt(value: unknown, path: readonly string[]): unknown {
  let cur = value;
  for (const k of path) {
    if (!isPlainObject(cur) || !Object.prototype.hasOwnProperty.call(cur, k)) return undefined;
    cur = cur[k];
  }
  return cur;
}

/** Dotted key paths whose leaf differs between two documents (added, removed or changed). */
export function changedPaths(prev: unknown, next: unknown, prefix: string[] = []): string[] {
  if (isPlainObject(prev) && isPlainObject(next)) {
    const keys = [...new Set([...Object.keys(prev), ...Object.keys(next)])];
    return keys.flatMap((k) => changedPaths(prev[k], next[k], [...prefix, k]));
  }
  if (isPlainObject(prev) || isPlainObject(next)) {
    const side = isPlainObject(prev) ? prev : (next as Record<string, unknown>);
    const inner = Object.keys(side).flatMap((k) => changedPaths(isPlainObject(prev) ? prev[k] : undefined, isPlainObject(next) ? next[k] : undefined, [...prefix, k]));
    return inner.length > 0 ? inner : [prefix.join(".")];
  }
  return JSON.stringify(prev) === JSON.stringify(next) ? [] : [prefix.join(".")];
}

import { lstat, mkdir, realpath } from "node:fs/promises";
import { join, sep } from "node:path";

/** What a walk below a real directory found. */
export type Walk =
  | { kind: "found"; path: string; isDirectory: boolean; isFile: boolean }
  | { kind: "missing" }
  /** A component is a symlink whose target leaves `base` (reading), or any symlink (writing). */
  | { kind: "outside" }
  /** A component that should be a directory is not one. */
  | { kind: "not-directory" };

/** True when `path` is `base` or below it (both real paths). */
export function within(path: string, base: string): boolean {
  return path === base || path.startsWith(base.endsWith(sep) ? base : base + sep);
}

/** The real path of a directory, or undefined when it does not exist. */
export async function realDir(path: string): Promise<string | undefined> {
  try {
    return await realpath(path);
  } catch {
    return undefined;
  }
}

/**
 * Looks up `segments` below the real directory `base` one component at a time. With `follow`, a
 * symlink is followed only when its own real path stays inside `base` (checked at that component,
 * so a link out and back in is refused too); without it, any symlink is `outside`.
 */
export async function walkInside(base: string, segments: readonly string[], follow = true): Promise<Walk> {
  let cur = base;
  let st = await lstat(cur).catch(() => undefined);
  if (!st) return { kind: "missing" };
  for (const seg of segments) {
    if (!st.isDirectory()) return { kind: "not-directory" };
    const next = join(cur, seg);
    st = await lstat(next).catch(() => undefined);
    if (!st) return { kind: "missing" };
    if (st.isSymbolicLink()) {
      if (!follow) return { kind: "outside" };
      const real = await realDir(next);
      if (real === undefined) return { kind: "missing" };
      if (!within(real, base)) return { kind: "outside" };
      cur = real;
      st = await lstat(cur).catch(() => undefined);
      if (!st) return { kind: "missing" };
    } else cur = next;
  }
  return { kind: "found", path: cur, isDirectory: st.isDirectory(), isFile: st.isFile() };
}

/**
 * Makes sure every folder of `segments` below the real directory `base` exists and is a real
 * folder, creating what is missing; never follows a symlink. Returns the folder's path, or why not.
 */
export async function ensureDirsNoFollow(base: string, segments: readonly string[], mode: number): Promise<{ path: string } | { refused: "symlink" | "not-directory" }> {
  let cur = base;
  for (const seg of segments) {
    cur = join(cur, seg);
    let st = await lstat(cur).catch(() => undefined);
    if (!st) {
      await mkdir(cur, { mode }).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== "EEXIST") throw err;
      });
      st = await lstat(cur);
    }
    if (st.isSymbolicLink()) return { refused: "symlink" };
    if (!st.isDirectory()) return { refused: "not-directory" };
  }
  return { path: cur };
}

import { constants } from "node:fs";
import { open, realpath, stat, type FileHandle } from "node:fs/promises";
import { join, sep } from "node:path";
import type { CanvasFiles } from "./files.js";

/** What a clean path inside a session names on disk, after following symlinks. */
export type SessionEntry =
  | { kind: "file"; path: string }
  | { kind: "directory"; path: string }
  | { kind: "missing" }
  /** It exists, but its real path leaves the session folder (a symlink pointing out). */
  | { kind: "outside"; path: string };

/**
 * Looks up `segments` (already decoded, no dot segments) in a session folder. The lexical path is
 * checked by CanvasFiles.resolve; the real path (every symlink followed) must stay inside the real
 * path of the session folder, or the entry is `outside`.
 */
export async function lookupSessionEntry(files: CanvasFiles, session: string, segments: readonly string[]): Promise<SessionEntry> {
  const base = files.sessionDir(session);
  let full: string;
  try {
    full = segments.length === 0 ? base : files.resolve(session, join(...segments));
  } catch {
    return { kind: "outside", path: join(base, ...segments) };
  }
  const realBase = await realpathOrUndefined(base);
  const real = realBase === undefined ? undefined : await realpathOrUndefined(full);
  if (realBase === undefined || real === undefined) return { kind: "missing" };
  if (real !== realBase && !real.startsWith(realBase + sep)) return { kind: "outside", path: full };
  const st = await stat(real).catch(() => undefined);
  if (st?.isDirectory()) return { kind: "directory", path: real };
  if (st?.isFile()) return { kind: "file", path: real };
  return { kind: "missing" };
}

/**
 * Opens a file found by lookupSessionEntry without following a symlink swapped in at its last
 * component since; undefined when it is no longer a regular file.
 */
export async function openRegularFile(path: string): Promise<{ handle: FileHandle; size: number; mtimeMs: number } | undefined> {
  const handle = await open(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0)).catch(() => undefined);
  if (!handle) return undefined;
  const st = await handle.stat().catch(() => undefined);
  if (!st?.isFile()) {
    await handle.close();
    return undefined;
  }
  return { handle, size: st.size, mtimeMs: st.mtimeMs };
}

async function realpathOrUndefined(path: string): Promise<string | undefined> {
  try {
    return await realpath(path);
  } catch {
    return undefined;
  }
}

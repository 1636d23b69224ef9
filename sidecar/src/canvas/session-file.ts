import { constants } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import type { CanvasFiles } from "./files.js";
import { realDir, walkInside } from "./contained-path.js";

/** What a clean path inside a session names on disk, after following symlinks that stay inside it. */
export type SessionEntry =
  | { kind: "file"; path: string }
  | { kind: "directory"; path: string }
  | { kind: "missing" }
  /** It exists, but leaves the session folder: a symlinked session folder, or a link pointing out. */
  | { kind: "outside"; path: string };

/**
 * Looks up `segments` (already decoded, no dot segments) in a session folder. The lexical path is
 * checked by CanvasFiles.resolve; then, below the canvas root's real path, the session folder must
 * be a real folder (never a symlink) and every further component is checked as it is resolved: a
 * symlink is followed only when its real path stays inside the session folder.
 */
export async function lookupSessionEntry(files: CanvasFiles, session: string, segments: readonly string[]): Promise<SessionEntry> {
  const lexical = join(files.sessionDir(session), ...segments);
  try {
    if (segments.length > 0) files.resolve(session, join(...segments));
  } catch {
    return { kind: "outside", path: lexical };
  }
  const root = await realDir(files.root);
  if (root === undefined) return { kind: "missing" };
  const base = await walkInside(root, [session], false);
  if (base.kind === "outside") return { kind: "outside", path: lexical };
  if (base.kind !== "found" || !base.isDirectory) return { kind: "missing" };
  const entry = await walkInside(base.path, segments);
  if (entry.kind === "outside") return { kind: "outside", path: lexical };
  if (entry.kind !== "found") return { kind: "missing" };
  if (entry.isDirectory) return { kind: "directory", path: entry.path };
  if (entry.isFile) return { kind: "file", path: entry.path };
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

import { lstat, mkdir, readdir, rm } from "node:fs/promises";
import { join, relative, resolve, sep } from "node:path";
import { writeFileAtomic } from "../store/atomic-file.js";
import { GatewayError } from "../errors.js";
import { ensureDirsNoFollow, realDir, walkInside } from "./contained-path.js";

/**
 * The longest file or folder name a canvas path may hold, in UTF-8 bytes: file systems allow 255,
 * and an atomic write adds a temporary name's dot, pid, random hex and suffix beside the target.
 */
export const MAX_CANVAS_NAME_BYTES = 200;
/** The longest path inside a session, in UTF-8 bytes (well under any PATH_MAX with the state dir in front). */
export const MAX_CANVAS_PATH_BYTES = 1024;

/**
 * The agent-editable files of canvas sessions under `<stateDir>/canvas/<session>/`. Every path is
 * checked lexically, then component by component below the canvas root's real path: writes and
 * deletes never pass through a symlink, listings do not descend into one.
 */
export class CanvasFiles {
  readonly root: string;

  constructor(stateDir: string) {
    this.root = join(stateDir, "canvas");
  }

  /** The folder of a session; names that could climb out (`..`, dot names) are refused here too. */
  sessionDir(session: string): string {
    if (!/^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/.test(session) || session === "__clawdbot__") {
      throw new GatewayError("params_invalid", `canvas session name ${JSON.stringify(session)} is not allowed`);
    }
    return join(this.root, session);
  }

  /** Resolves a relative path inside a session; anything that would leave it is refused. */
  resolve(session: string, path: string): string {
    const base = this.sessionDir(session);
    const full = resolve(base, path.replace(/^\/+/, ""));
    const rel = relative(base, full);
    if (rel === "" || rel.startsWith("..") || rel.includes(`${sep}..${sep}`) || resolve(base, rel) !== full) {
      throw new GatewayError("params_invalid", `path ${JSON.stringify(path)} is outside the canvas session`);
    }
    return full;
  }

  /** The canvas root's real path (created when missing). */
  async realRoot(): Promise<string> {
    await mkdir(this.root, { recursive: true, mode: 0o700 });
    const real = await realDir(this.root);
    if (real === undefined) throw new GatewayError("unavailable", `the canvas folder ${this.root} cannot be resolved`);
    return real;
  }

  async write(session: string, path: string, data: Buffer): Promise<number> {
    const parts = this.parts(session, path);
    const name = parts.pop()!;
    const dir = await ensureDirsNoFollow(await this.realRoot(), parts, 0o700);
    if ("refused" in dir) throw this.refusal(path, dir.refused);
    const target = join(dir.path, name);
    const existing = await lstat(target).catch(() => undefined);
    if (existing?.isSymbolicLink()) throw this.refusal(path, "symlink");
    if (existing?.isDirectory()) throw this.folder(path);
    await writeFileAtomic(target, data, 0o600);
    return data.length;
  }

  async list(session: string): Promise<{ path: string; bytes: number; mtimeMs: number }[]> {
    this.sessionDir(session);
    const base = await walkInside(await this.realRoot(), [session], false);
    if (base.kind !== "found" || !base.isDirectory) return [];
    const out: { path: string; bytes: number; mtimeMs: number }[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const name of (await readdir(dir)).sort()) {
        if (name.startsWith(".")) continue;
        const full = join(dir, name);
        // lstat: a symlink is neither descended into nor listed.
        const st = await lstat(full).catch(() => undefined);
        if (st?.isDirectory()) await walk(full);
        else if (st?.isFile()) out.push({ path: relative(base.path, full).split(sep).join("/"), bytes: st.size, mtimeMs: Math.floor(st.mtimeMs) });
      }
    };
    await walk(base.path);
    return out;
  }

  async delete(session: string, path: string): Promise<boolean> {
    const parts = this.parts(session, path);
    const name = parts.pop()!;
    const dir = await walkInside(await this.realRoot(), parts, false);
    if (dir.kind === "outside") throw this.refusal(path, "symlink");
    if (dir.kind !== "found" || !dir.isDirectory) return false;
    const target = join(dir.path, name);
    // A symlink as the last component is removed itself (rm does not follow it).
    const st = await lstat(target).catch(() => undefined);
    if (!st) return false;
    if (st.isDirectory()) throw this.folder(path);
    // A folder created at that name since the lstat gets the same answer, not an internal error.
    await rm(target, { recursive: false, force: true }).catch((err: unknown) => {
      throw isFolderError(err) ? this.folder(path) : err;
    });
    return true;
  }

  /** [session, ...path components] of a lexically valid path. */
  private parts(session: string, path: string): string[] {
    const full = this.resolve(session, path);
    const rel = relative(this.sessionDir(session), full);
    if (Buffer.byteLength(rel) > MAX_CANVAS_PATH_BYTES) {
      throw new GatewayError("params_invalid", `canvas path is ${Buffer.byteLength(rel)} bytes long; at most ${MAX_CANVAS_PATH_BYTES}`);
    }
    const parts = [session, ...rel.split(sep)];
    const long = parts.find((p) => Buffer.byteLength(p) > MAX_CANVAS_NAME_BYTES);
    if (long !== undefined) {
      throw new GatewayError("params_invalid", `canvas name ${JSON.stringify(long.slice(0, 40))}… is ${Buffer.byteLength(long)} bytes long; at most ${MAX_CANVAS_NAME_BYTES} per file or folder`);
    }
    return parts;
  }

  private folder(path: string): GatewayError {
    return new GatewayError("params_invalid", `canvas path ${JSON.stringify(path)} is a folder; canvas.write and canvas.delete take file paths`);
  }

  private refusal(path: string, why: "symlink" | "not-directory"): GatewayError {
    return new GatewayError(
      "params_invalid",
      why === "symlink" ? `canvas path ${JSON.stringify(path)} passes through a symlink; canvas writes never follow one` : `canvas path ${JSON.stringify(path)} runs through a file`,
    );
  }
}

/** rm's answer for a folder without `recursive` (a SystemError code, or EISDIR on some platforms). */
function isFolderError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === "ERR_FS_EISDIR" || code === "EISDIR";
}

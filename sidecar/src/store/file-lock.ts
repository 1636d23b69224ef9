import { link, readdir, readFile, stat, unlink, mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { randomBytes } from "node:crypto";

export interface FileLockOptions {
  /** How long to keep trying before giving up. */
  timeoutMs?: number;
  /** Delay between attempts. */
  pollMs?: number;
}

/** The lock could not be taken in time; names the holder so the user can act. */
export class LockTimeoutError extends Error {
  constructor(readonly path: string, holder: string) {
    super(`${path} is held by ${holder}; try again, or remove the file if that process is gone`);
    this.name = "LockTimeoutError";
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Cross-process exclusive lock: a file created with O_EXCL holding the owner's pid. A lock whose
 * owner died (e.g. SIGKILL) is recognised by its dead pid and broken at once.
 */
export async function withFileLock<T>(path: string, fn: () => Promise<T>, opts: FileLockOptions = {}): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  const poll = opts.pollMs ?? 5;
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  // The pid is written to a private file first and then hard-linked into place, so the lock never
  // exists without its owner's pid, even if this process is killed half-way.
  const mine = `${path}.${process.pid}.${randomBytes(4).toString("hex")}`;
  await writeFile(mine, String(process.pid), { mode: 0o600 });
  for (;;) {
    try {
      await link(mine, path);
      await unlink(mine).catch(() => undefined);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") {
        await unlink(mine).catch(() => undefined);
        throw err;
      }
      const holder = await breakIfStale(path);
      if (holder === null) continue;
      if (Date.now() > deadline) {
        await unlink(mine).catch(() => undefined);
        throw new LockTimeoutError(path, holder);
      }
      await new Promise((r) => setTimeout(r, poll + Math.random() * poll));
    }
  }
  try {
    return await fn();
  } finally {
    await unlink(path).catch(() => undefined);
  }
}

const ORPHAN_GRACE_MS = 2000;

/** Removes files that dead processes left next to `path` (their names carry the writer's pid). */
export async function removeLeftovers(path: string): Promise<void> {
  const dir = dirname(path);
  const base = path.slice(dir.length + 1);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = name.startsWith(`.${base}.`) ? /^\.[^]*?\.(\d+)\.[0-9a-f]+\.tmp$/.exec(name) : name.startsWith(`${base}.lock.`) ? /\.(\d+)\.[0-9a-f]+$/.exec(name) : null;
    const pid = m ? Number(m[1]) : NaN;
    if (Number.isInteger(pid) && pid !== process.pid && !alive(pid)) await unlink(`${dir}/${name}`).catch(() => undefined);
  }
}

/** Removes the lock if its owner is dead; returns null when removed (or gone), else a description of the holder. */
async function breakIfStale(path: string): Promise<string | null> {
  let text: string;
  let ino: number;
  let mtimeMs: number;
  try {
    ({ ino, mtimeMs } = await stat(path));
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
  const pid = Number.parseInt(text, 10);
  // Locks are linked into place complete, so one without a pid was left by something that died
  // mid-write; after a grace period it is broken like a dead owner's.
  const orphan = !Number.isInteger(pid) || pid <= 0;
  if (orphan && Date.now() - mtimeMs < ORPHAN_GRACE_MS) return `an unknown holder (${path} names no pid yet)`;
  if (!orphan && pid !== process.pid && alive(pid)) return `pid ${pid}`;
  if (pid === process.pid) return `this process (pid ${pid})`;
  try {
    if ((await stat(path)).ino === ino) await unlink(path);
  } catch {
    /* someone else broke it first */
  }
  return null;
}

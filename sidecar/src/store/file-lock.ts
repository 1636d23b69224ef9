import { open, readFile, stat, unlink, mkdir } from "node:fs/promises";
import { dirname } from "node:path";

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
  for (;;) {
    try {
      const fh = await open(path, "wx", 0o600);
      await fh.writeFile(String(process.pid));
      await fh.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const holder = await breakIfStale(path);
      if (holder === null) continue;
      if (Date.now() > deadline) throw new LockTimeoutError(path, holder);
      await new Promise((r) => setTimeout(r, poll + Math.random() * poll));
    }
  }
  try {
    return await fn();
  } finally {
    await unlink(path).catch(() => undefined);
  }
}

/** Removes the lock if its owner is dead; returns null when removed (or gone), else a description of the holder. */
async function breakIfStale(path: string): Promise<string | null> {
  let text: string;
  let ino: number;
  try {
    ino = (await stat(path)).ino;
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
  const pid = Number.parseInt(text, 10);
  // An empty file is a lock being written right now; give its owner a moment.
  if (!Number.isInteger(pid) || pid <= 0) return "a process that is still writing it";
  if (pid !== process.pid && alive(pid)) return `pid ${pid}`;
  if (pid === process.pid) return `this process (pid ${pid})`;
  try {
    if ((await stat(path)).ino === ino) await unlink(path);
  } catch {
    /* someone else broke it first */
  }
  return null;
}

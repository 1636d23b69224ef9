import { createServer, connect, type Server } from "node:net";
import { createHash } from "node:crypto";
import { lstat, mkdir, readFile, readdir, readlink, unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { withFileLock } from "../store/file-lock.js";

/** Who holds the lock, as told by the running instance itself. */
export interface LockHolder {
  pid: number;
  port: number | null;
  url: string | null;
}

/** Another gateway runs on this state dir. `verifiedPid` is set only when the OS confirmed it holds the lock. */
export class InstanceLockedError extends Error {
  constructor(
    readonly holder: LockHolder | null,
    readonly verifiedPid: number | null,
  ) {
    const port = holder?.port != null ? ` on port ${holder.port}` : "";
    super(
      verifiedPid !== null
        ? `another gateway is already running on this state dir (pid ${verifiedPid}${port}); stop it first (clawdbot daemon stop, or kill ${verifiedPid})`
        : `another gateway is already running on this state dir${port}; stop it first (clawdbot daemon stop)`,
    );
    this.name = "InstanceLockedError";
  }
}

/** The lock's folder is not private to this user, so the lock could be squatted. */
export class InstanceLockUnsafeError extends Error {
  constructor(readonly dir: string, why: string) {
    super(`cannot take the gateway lock: ${dir} ${why}; it must be a folder owned by you and writable by nobody else (chmod 700 ${dir})`);
    this.name = "InstanceLockUnsafeError";
  }
}

/** Unix socket paths are limited to 108 bytes on Linux and 104 on macOS. */
const MAX_SOCKET_PATH = 100;

/** Injected for tests: where the lock lives when the state dir's path is too long, and the OS view. */
export interface InstanceLockEnv {
  uid: number | undefined;
  fallbackDir: string;
  /** Root of the process table (`/proc` on Linux; absent elsewhere, then pids are not verified). */
  procRoot: string | undefined;
}

function defaultEnv(): InstanceLockEnv {
  const uid = process.getuid?.();
  return {
    uid,
    fallbackDir: join(tmpdir(), `clawdbot-${uid ?? "user"}`),
    procRoot: process.platform === "linux" ? "/proc" : undefined,
  };
}

/**
 * One gateway per state dir: the holder listens on a Unix socket file inside a folder only this
 * user can write (the state dir itself, which must not be writable by others), so no other local
 * user can take the lock first. Any exit closes the socket; a socket file left by a killed holder
 * answers nobody and is removed under a file lock, so two starters never both win. A live holder
 * answers with its pid, which is printed only after the OS confirms that pid holds the socket.
 */
export class InstanceLock {
  private info: LockHolder = { pid: process.pid, port: null, url: null };

  private constructor(private readonly server: Server) {}

  /** The socket path used for a state dir. */
  static address(stateDir: string, env: InstanceLockEnv = defaultEnv()): string {
    const inside = join(stateDir, "gateway.sock");
    if (Buffer.byteLength(inside) <= MAX_SOCKET_PATH) return inside;
    return join(env.fallbackDir, `${createHash("sha256").update(stateDir).digest("hex").slice(0, 32)}.sock`);
  }

  /** Takes the lock or throws InstanceLockedError naming the running instance. */
  static async acquire(stateDir: string, env: InstanceLockEnv = defaultEnv()): Promise<InstanceLock> {
    const path = InstanceLock.address(stateDir, env);
    const dir = path.slice(0, path.lastIndexOf("/"));
    await privateDir(dir, env.uid);
    return withFileLock(`${path}.lock`, async () => {
      for (let attempt = 0; attempt < 2; attempt++) {
        const server = createServer();
        const lock = new InstanceLock(server);
        server.on("connection", (sock) => {
          sock.on("error", () => undefined);
          sock.end(JSON.stringify(lock.info));
        });
        const err = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
          server.once("error", (e: NodeJS.ErrnoException) => resolve(e));
          server.listen(path, () => resolve(null));
        });
        if (!err) {
          server.unref();
          return lock;
        }
        if (err.code !== "EADDRINUSE") throw err;
        const st = await lstat(path).catch(() => undefined);
        if (st && (!st.isSocket() || (env.uid !== undefined && st.uid !== env.uid))) {
          throw new InstanceLockUnsafeError(path, "is not a socket this user created");
        }
        const holder = await ask(path);
        if (holder !== null) {
          const verified = env.procRoot && Number.isInteger(holder.pid) && holder.pid > 0 && (await holdsSocket(env.procRoot, holder.pid, path));
          throw new InstanceLockedError(holder, verified ? holder.pid : null);
        }
        // Nobody answers: a socket file left by a killed holder. Removed while holding the file lock.
        await unlink(path).catch(() => undefined);
      }
      throw new Error(`could not take the gateway lock at ${path}`);
    });
  }

  /** Records the port once listening, so a second instance can name it. */
  update(port: number, url: string): void {
    this.info = { pid: process.pid, port, url };
  }

  release(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Creates `dir` (0700) if needed and refuses one that is a link, someone else's, or writable by others. */
async function privateDir(dir: string, uid: number | undefined): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const st = await lstat(dir);
  if (!st.isDirectory()) throw new InstanceLockUnsafeError(dir, "is not a folder");
  if (uid !== undefined && st.uid !== uid) throw new InstanceLockUnsafeError(dir, `belongs to uid ${st.uid}`);
  if ((st.mode & 0o022) !== 0) throw new InstanceLockUnsafeError(dir, "is writable by other users");
}

/** Asks the holder who it is; null when nobody listens (a stale socket file). */
function ask(path: string): Promise<LockHolder | null> {
  const unknown: LockHolder = { pid: 0, port: null, url: null };
  return new Promise((resolve) => {
    const sock = connect(path);
    let data = "";
    const timer = setTimeout(() => {
      sock.destroy();
      resolve(unknown);
    }, 2000);
    sock.on("data", (d) => (data += d.toString()));
    sock.on("end", () => {
      clearTimeout(timer);
      resolve(parseHolder(data) ?? unknown);
    });
    sock.on("error", () => {
      clearTimeout(timer);
      resolve(null);
    });
  });
}

function parseHolder(text: string): LockHolder | null {
  try {
    const v = JSON.parse(text) as Partial<LockHolder>;
    return {
      pid: typeof v.pid === "number" ? v.pid : 0,
      port: typeof v.port === "number" ? v.port : null,
      url: typeof v.url === "string" ? v.url : null,
    };
  } catch {
    return null;
  }
}

/**
 * True when process `pid` has the listening socket bound at `path` open: the socket's inode comes
 * from `<proc>/net/unix`, and one of the pid's descriptors must link to `socket:[inode]`.
 */
export async function holdsSocket(procRoot: string, pid: number, path: string): Promise<boolean> {
  try {
    const table = await readFile(join(procRoot, "net", "unix"), "utf8");
    const inodes = new Set<string>();
    for (const line of table.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      // Num RefCount Protocol Flags Type St Inode Path; flags 00010000 = listening.
      if (cols.length >= 8 && cols.slice(7).join(" ") === path && cols[3] === "00010000") inodes.add(cols[6]!);
    }
    if (inodes.size === 0) return false;
    const fdDir = join(procRoot, String(pid), "fd");
    for (const fd of await readdir(fdDir)) {
      const target = await readlink(join(fdDir, fd)).catch(() => "");
      const m = /^socket:\[(\d+)\]$/.exec(target);
      if (m && inodes.has(m[1]!)) return true;
    }
    return false;
  } catch {
    return false;
  }
}

import { createServer, connect, type Server } from "node:net";
import { createHash } from "node:crypto";
import { unlink } from "node:fs/promises";
import { join } from "node:path";

/** Who holds the lock, as told by the running instance itself. */
export interface LockHolder {
  pid: number;
  port: number | null;
  url: string | null;
}

/** Another gateway runs on this state dir. */
export class InstanceLockedError extends Error {
  constructor(readonly holder: LockHolder) {
    super(
      `another gateway is already running on this state dir (pid ${holder.pid}${holder.port !== null ? `, port ${holder.port}` : ""}); ` +
        `stop it first (clawdbot daemon stop, or kill ${holder.pid})`,
    );
    this.name = "InstanceLockedError";
  }
}

/**
 * One gateway per state dir, enforced by the OS: the holder listens on a Unix socket (abstract on
 * Linux, a file elsewhere). Any exit, even SIGKILL, closes the socket, so a dead holder never blocks
 * the next start; a live one answers with its pid and port.
 */
export class InstanceLock {
  private info: LockHolder = { pid: process.pid, port: null, url: null };

  private constructor(private readonly server: Server) {}

  /** The socket address used for a state dir. */
  static address(stateDir: string, platform: NodeJS.Platform = process.platform): string {
    if (platform === "linux") return `\0clawdbot-gateway-${createHash("sha256").update(stateDir).digest("hex").slice(0, 32)}`;
    return join(stateDir, "gateway.sock");
  }

  /** Takes the lock or throws InstanceLockedError naming the running instance. */
  static async acquire(stateDir: string): Promise<InstanceLock> {
    const path = InstanceLock.address(stateDir);
    for (let attempt = 0; attempt < 3; attempt++) {
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
      const holder = await ask(path);
      if (holder) throw new InstanceLockedError(holder);
      // A socket file left by a killed holder (non-Linux): nobody answers, so it is stale.
      await unlink(path).catch(() => undefined);
    }
    throw new Error(`could not take the gateway lock at ${path}`);
  }

  /** Records the port once listening, so a second instance can name it. */
  update(port: number, url: string): void {
    this.info = { pid: process.pid, port, url };
  }

  release(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function ask(path: string): Promise<LockHolder | null> {
  return new Promise((resolve) => {
    const sock = connect(path);
    let data = "";
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ pid: 0, port: null, url: null });
    }, 2000);
    sock.on("data", (d) => (data += d.toString()));
    sock.on("end", () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(data) as LockHolder);
      } catch {
        resolve({ pid: 0, port: null, url: null });
      }
    });
    sock.on("error", () => {
      clearTimeout(timer);
      resolve(null);
    });
  });
}

// The single-instance lock: a socket file in a folder only the state dir's owner can write, so no
// other local user can take it first, and a holder's pid is printed only once the OS confirms it.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { spawn } from "node:child_process";
import { chmod, chown, mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  InstanceLock,
  InstanceLockedError,
  InstanceLockUnsafeError,
  holdsSocket,
} from "../../sidecar/src/daemon/instance-lock.js";

async function stateDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "clawdbot-lock-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function listen(path: string, answer: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((sock) => sock.end(answer));
    server.once("error", reject);
    server.listen(path, () => resolve(server));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

async function refusal(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  assert.fail("the lock was taken");
}

test("a socket another user bound first under the old abstract name does not stop the gateway or name a pid", async (t) => {
  if (process.platform !== "linux") return t.skip("abstract sockets are Linux-only");
  const dir = await stateDir(t);
  const squat = await listen(`\0clawdbot-gateway-${createHash("sha256").update(dir).digest("hex").slice(0, 32)}`, JSON.stringify({ pid: 4242, port: 1 }));
  t.after(() => close(squat));
  const lock = await InstanceLock.acquire(dir);
  await lock.release();
  assert.equal(InstanceLock.address(dir), join(dir, "gateway.sock"));
});

test("a state dir other users can write, or that belongs to someone else, is refused instead of trusted", async (t) => {
  const open = await stateDir(t);
  await chmod(open, 0o777);
  const e1 = await refusal(InstanceLock.acquire(open));
  assert.ok(e1 instanceof InstanceLockUnsafeError, String(e1));
  assert.match(e1.message, /writable by other users/);
  assert.ok(e1.message.includes(`chmod 700 ${open}`));

  if (process.getuid?.() !== 0) return;
  const foreign = await stateDir(t);
  await chown(foreign, 65534, 65534);
  const e2 = await refusal(InstanceLock.acquire(foreign, { uid: 0, fallbackDir: tmpdir(), procRoot: "/proc" }));
  assert.ok(e2 instanceof InstanceLockUnsafeError);
  assert.match(e2.message, /belongs to uid 65534/);
});

test("a lock socket created by another user is refused, and its claimed pid is never printed", async (t) => {
  if (process.getuid?.() !== 0) return t.skip("needs root to create a file as another user");
  const dir = await stateDir(t);
  const squat = await listen(join(dir, "gateway.sock"), JSON.stringify({ pid: 4242, port: 1 }));
  t.after(() => close(squat));
  await chown(join(dir, "gateway.sock"), 65534, 65534);
  const err = await refusal(InstanceLock.acquire(dir));
  assert.ok(err instanceof InstanceLockUnsafeError, String(err));
  assert.doesNotMatch(err.message, /4242/);
});

test("a holder whose pid the OS does not confirm is reported without its pid; a real holder with its pid and kill advice", async (t) => {
  const dir = await stateDir(t);
  const liar = await listen(join(dir, "gateway.sock"), JSON.stringify({ pid: 4242, port: 18789, url: null }));
  const lied = await refusal(InstanceLock.acquire(dir));
  await close(liar);
  assert.ok(lied instanceof InstanceLockedError, String(lied));
  assert.equal(lied.verifiedPid, null);
  assert.doesNotMatch(lied.message, /4242|kill/);
  assert.match(lied.message, /already running on this state dir on port 18789; stop it first \(clawdbot daemon stop\)/);

  const held = await InstanceLock.acquire(dir);
  t.after(() => held.release());
  held.update(18789, "ws://127.0.0.1:18789");
  const second = await refusal(InstanceLock.acquire(dir));
  assert.ok(second instanceof InstanceLockedError);
  if (process.platform === "linux") {
    assert.equal(second.verifiedPid, process.pid);
    assert.ok(second.message.includes(`kill ${process.pid}`), second.message);
    assert.equal(await holdsSocket("/proc", process.pid, join(dir, "gateway.sock")), true);
    assert.equal(await holdsSocket("/proc", 1, join(dir, "gateway.sock")), false);
  }
});

test("a socket file left by a killed holder is taken over; parallel starters get exactly one lock", async (t) => {
  const dir = await stateDir(t);
  const path = join(dir, "gateway.sock");
  // A holder killed with SIGKILL leaves its socket file behind.
  const child = spawn(process.execPath, ["-e", `require("net").createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, "SIGKILL"))`]);
  await new Promise((resolve) => child.on("exit", resolve));
  assert.ok((await stat(path)).isSocket());

  const results = await Promise.allSettled(Array.from({ length: 6 }, () => InstanceLock.acquire(dir)));
  const won = results.filter((r): r is PromiseFulfilledResult<InstanceLock> => r.status === "fulfilled");
  assert.equal(won.length, 1, JSON.stringify(results.map((r) => r.status)));
  for (const r of results) if (r.status === "rejected") assert.ok(r.reason instanceof InstanceLockedError, String(r.reason));
  await won[0]!.value.release();
  const again = await InstanceLock.acquire(dir);
  await again.release();
});

test("a state dir whose socket path would be too long locks in a private per-user folder instead", async (t) => {
  const base = await stateDir(t);
  const deep = join(base, "x".repeat(60), "y".repeat(60));
  await mkdir(deep, { recursive: true, mode: 0o700 });
  const fallbackDir = join(base, "run");
  const env = { uid: process.getuid?.(), fallbackDir, procRoot: process.platform === "linux" ? "/proc" : undefined };
  const lock = await InstanceLock.acquire(deep, env);
  t.after(() => lock.release());
  assert.ok(InstanceLock.address(deep, env).startsWith(`${fallbackDir}/`));
  assert.equal((await stat(fallbackDir)).mode & 0o777, 0o700);
  assert.ok((await refusal(InstanceLock.acquire(deep, env))) instanceof InstanceLockedError);
});

// The cross-process lock of devices/pairing.json (`pairing.json.lock`, holding the owner's pid):
// a lock whose owner is gone must not block writers; a live owner's lock must be respected.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, unlink, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { TestContext } from "node:test";
import { DeviceStore } from "@clawdbot/sidecar";

const claim = (deviceId: string) => ({ deviceId, publicKey: `pk-${deviceId}`, role: "operator", scopes: ["operator.read"] });

async function stateDir(t: TestContext): Promise<{ dir: string; file: string; lock: string }> {
  const dir = await mkdtemp(join(tmpdir(), "clawdbot-lock-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, "devices"), { recursive: true, mode: 0o700 });
  return { dir, file: join(dir, "devices", "pairing.json"), lock: join(dir, "devices", "pairing.json.lock") };
}

/** A process that idles until killed. */
async function idler(t: TestContext): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
  t.after(() => child.kill("SIGKILL"));
  await once(child, "spawn");
  return child;
}

/** Whether `p` has settled by now (without waiting for it). */
async function settled(p: Promise<unknown>): Promise<boolean> {
  const marker = Symbol("pending");
  return (await Promise.race([p.then(() => true, () => true), Promise.resolve(marker)])) !== marker;
}

test("a lock holding the pid of a SIGKILLed process is broken at once: the write goes through and the lock is gone", async (t) => {
  const { dir, lock } = await stateDir(t);
  const dead = await idler(t);
  await writeFile(lock, String(dead.pid), { mode: 0o600 });
  dead.kill("SIGKILL");
  await once(dead, "exit");
  const store = await DeviceStore.open(dir, Date.now);
  const { request } = await store.requestPairing(claim("after-dead-owner"), false);
  assert.equal((await store.approve(request.requestId))?.device.deviceId, "after-dead-owner");
  assert.equal(existsSync(lock), false, "the lock must be released after the write");
  const reopened = await DeviceStore.open(dir, Date.now);
  assert.deepEqual(reopened.listPaired().map((d) => d.deviceId), ["after-dead-owner"]);
});

test("a lock held by a live process is respected: nothing is written until it is released, then the write completes", async (t) => {
  const { dir, file, lock } = await stateDir(t);
  const store = await DeviceStore.open(dir, Date.now);
  const { request } = await store.requestPairing(claim("waits"), false);
  const before = await readFile(file);
  const holder = await idler(t);
  await writeFile(lock, String(holder.pid), { mode: 0o600 });
  const approving = store.approve(request.requestId);
  await sleep(300);
  assert.equal(await settled(approving), false, "approve finished while another live process held the lock");
  assert.deepEqual(await readFile(file), before, "the file changed while another process held the lock");
  await unlink(lock); // the holder releases it
  assert.equal((await approving)?.device.deviceId, "waits");
  assert.deepEqual((await DeviceStore.open(dir, Date.now)).listPaired().map((d) => d.deviceId), ["waits"]);
});

// A writer creates the lock with O_EXCL and writes its pid in a second step (file-lock.ts). A SIGKILL
// between the two leaves an EMPTY lock file, which is taken for "a process that is still writing it"
// forever: every later writer fails with LockTimeoutError until someone deletes the file by hand.
// The SIGKILL test hits this naturally (about 1 kill in 70 on the machine it was written on).
test("an empty lock left by a writer killed between creating it and writing its pid does not block writers forever", { timeout: 60_000 }, async (t) => {
  const { dir, lock } = await stateDir(t);
  await writeFile(lock, "", { mode: 0o600 });
  const minuteAgo = new Date(Date.now() - 60_000);
  await utimes(lock, minuteAgo, minuteAgo);
  const store = await DeviceStore.open(dir, Date.now);
  await assert.doesNotReject(store.requestPairing(claim("after-empty-lock"), false), "an abandoned empty lock blocked the write");
  assert.equal(store.listPending()[0]?.deviceId, "after-empty-lock");
});

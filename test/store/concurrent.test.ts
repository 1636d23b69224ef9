// Two writers approving at the same time lose nothing: every change is made under the cross-process
// lock on the freshest file, so neither overwrites the other's approvals.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { DeviceStore } from "@clawdbot/sidecar";
import { StoreChild } from "./child.js";

const claim = (deviceId: string) => ({ deviceId, publicKey: `pk-${deviceId}`, role: "operator", scopes: ["operator.read"] });

/** A temp state dir holding `n` pending requests; returns their ids in creation order. */
async function withPending(t: TestContext, n: number): Promise<{ dir: string; ids: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), "clawdbot-concurrent-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const store = await DeviceStore.open(dir, Date.now);
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push((await store.requestPairing(claim(`dev-${i}`), false)).request.requestId);
  return { dir, ids };
}

function assertAllPaired(store: DeviceStore, n: number): void {
  const paired = store.listPaired().map((d) => d.deviceId).sort();
  const expected = Array.from({ length: n }, (_, i) => `dev-${i}`).sort();
  assert.deepEqual(paired, expected, "approvals were lost");
  assert.deepEqual(store.listPending(), []);
}

test("two processes each approving their own 50 pending requests at the same time: all 100 devices end up paired", { timeout: 120_000 }, async (t) => {
  const { dir, ids } = await withPending(t, 100);
  const halves = [ids.filter((_, i) => i % 2 === 0), ids.filter((_, i) => i % 2 === 1)];
  const children = await Promise.all(
    halves.map(async (half, i) => {
      const idsFile = join(dir, `ids-${i}.json`);
      await writeFile(idsFile, JSON.stringify(half));
      const child = StoreChild.spawn(["approve", dir, idsFile]);
      t.after(() => child.kill());
      return child;
    }),
  );
  await Promise.all(children.map((c) => c.until((l) => l.includes("WARM"), "WARM", 60_000)));
  for (const c of children) c.go();
  await Promise.all(children.map((c) => c.until((l) => l.includes("DONE 50"), "DONE 50", 60_000)));
  for (const c of children) assert.equal((await c.exited).code, 0, c.stderr);
  assertAllPaired(await DeviceStore.open(dir, Date.now), 100);
});

test("two DeviceStore instances in one process approving at the same time: all 40 devices end up paired", async (t) => {
  const { dir, ids } = await withPending(t, 40);
  const [a, b] = await Promise.all([DeviceStore.open(dir, Date.now), DeviceStore.open(dir, Date.now)]);
  const approveAll = async (store: DeviceStore, mine: string[]) => {
    for (const id of mine) assert.ok(await store.approve(id), `request ${id} was not pending`);
  };
  await Promise.all([approveAll(a, ids.filter((_, i) => i % 2 === 0)), approveAll(b, ids.filter((_, i) => i % 2 === 1))]);
  assertAllPaired(await DeviceStore.open(dir, Date.now), 40);
  // Each instance's memory reflects the other's writes after its own last write (re-read under the lock) or a reload.
  await a.reload();
  assertAllPaired(a, 40);
});

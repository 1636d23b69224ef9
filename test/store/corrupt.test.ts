// A damaged pairing file is reported, never reset: DeviceStore.open and gateway start-up fail with
// StoreCorruptError naming the file, and the bytes on disk stay exactly as they were.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { DeviceStore, NodePairingStore, StoreCorruptError } from "@clawdbot/sidecar";
import { startGateway } from "../support/gateway.js";

const claim = (deviceId: string) => ({ deviceId, publicKey: `pk-${deviceId}`, role: "operator", scopes: ["operator.read"] });

async function tempState(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "clawdbot-corrupt-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** The text of a healthy pairing.json with three paired devices and one pending request. */
async function healthyFileText(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "clawdbot-healthy-"));
  try {
    const store = await DeviceStore.open(dir, Date.now);
    for (const id of ["a", "b", "c"]) await store.approve((await store.requestPairing(claim(id), false)).request.requestId);
    await store.issueToken("a", "operator", ["operator.read"]);
    await store.requestPairing(claim("d"), false);
    return await readFile(join(dir, "devices", "pairing.json"), "utf8");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const healthy = await healthyFileText();
const device = JSON.parse(healthy).paired.a as Record<string, unknown>;

const DAMAGED: [string, string | Buffer][] = [
  ["cut in half", healthy.slice(0, Math.floor(healthy.length / 2))],
  ["cut one byte short", healthy.trimEnd().slice(0, -1)],
  ["empty", ""],
  ["zero-filled (a crash before the data reached the disk)", Buffer.alloc(512)],
  ["an array instead of an object", "[]\n"],
  ["null", "null\n"],
  ["an unknown version", JSON.stringify({ version: 2, paired: {}, pending: {} })],
  ["paired as an array", JSON.stringify({ version: 1, paired: [], pending: {} })],
  ["pending missing", JSON.stringify({ version: 1, paired: {} })],
  ["a paired device without its public key", JSON.stringify({ version: 1, paired: { a: { ...device, publicKey: undefined } }, pending: {} })],
  ["a token hash that is not a sha-256 hex digest", JSON.stringify({ version: 1, paired: { a: { ...device, tokens: { operator: { hash: "plaintext-token", scopes: [], createdAtMs: 1 } } } }, pending: {} })],
  ["an unknown top-level key", JSON.stringify({ version: 1, paired: {}, pending: {}, extra: true })],
];

/** Writes `content` as <stateDir>/devices/pairing.json and returns a snapshot to compare against later. */
async function plant(stateDir: string, rel: string, content: string | Buffer) {
  const path = join(stateDir, rel);
  await mkdir(join(path, ".."), { recursive: true, mode: 0o700 });
  await writeFile(path, content, { mode: 0o600 });
  const bytes = await readFile(path);
  const { mtimeMs } = await stat(path);
  return {
    path,
    async assertUntouched(): Promise<void> {
      assert.deepEqual(await readFile(path), bytes, `${path} was modified`);
      assert.equal((await stat(path)).mtimeMs, mtimeMs, `${path} was rewritten`);
      const dir = join(path, "..");
      assert.deepEqual((await readdir(dir)).sort(), [rel.split("/").pop()!], `stray files next to ${path}`);
    },
  };
}

function isCorruptNaming(path: string) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof StoreCorruptError, `expected StoreCorruptError, got ${String(err)}`);
    assert.equal(err.path, path);
    assert.ok(err.message.includes(path), `message does not name the file: ${err.message}`);
    return true;
  };
}

for (const [what, content] of DAMAGED) {
  test(`devices/pairing.json ${what}: DeviceStore.open rejects with StoreCorruptError naming the file; the bytes are unchanged`, async (t) => {
    const stateDir = await tempState(t);
    const planted = await plant(stateDir, "devices/pairing.json", content);
    await assert.rejects(DeviceStore.open(stateDir, Date.now), isCorruptNaming(planted.path));
    await planted.assertUntouched();
  });
}

for (const [what, content] of DAMAGED.filter(([w]) => w === "cut in half" || w === "an unknown version")) {
  test(`devices/pairing.json ${what}: the gateway does not start (StoreCorruptError naming the file) and does not reset it`, async (t) => {
    const stateDir = await tempState(t);
    const planted = await plant(stateDir, "devices/pairing.json", content);
    await assert.rejects(startGateway({ stateDir }), isCorruptNaming(planted.path));
    await planted.assertUntouched();
  });
}

test("nodes/pairing.json cut in half: NodePairingStore.open and gateway start reject with StoreCorruptError naming it; bytes unchanged", async (t) => {
  const stateDir = await tempState(t);
  const text = JSON.stringify({ version: 1, paired: {}, pending: {} }, null, 2);
  const planted = await plant(stateDir, "nodes/pairing.json", text.slice(0, text.length / 2));
  await assert.rejects(NodePairingStore.open(stateDir, Date.now), isCorruptNaming(planted.path));
  await assert.rejects(startGateway({ stateDir }), isCorruptNaming(planted.path));
  await planted.assertUntouched();
});

test("a file damaged while the store is open: the next change rejects with StoreCorruptError, writes nothing, releases the lock; a repaired file is writable again", async (t) => {
  const stateDir = await tempState(t);
  const store = await DeviceStore.open(stateDir, Date.now);
  const { request } = await store.requestPairing(claim("x"), false);
  const path = join(stateDir, "devices", "pairing.json");
  const good = await readFile(path, "utf8");
  const planted = await plant(stateDir, "devices/pairing.json", good.slice(0, good.length / 2));
  await assert.rejects(store.approve(request.requestId), isCorruptNaming(path));
  await planted.assertUntouched(); // also: no pairing.json.lock left behind
  await writeFile(path, good);
  assert.equal((await store.approve(request.requestId))?.device.deviceId, "x");
  assert.deepEqual((await DeviceStore.open(stateDir, Date.now)).listPaired().map((d) => d.deviceId), ["x"]);
});

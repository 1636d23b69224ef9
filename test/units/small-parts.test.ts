import { test } from "node:test";
import assert from "node:assert/strict";
import { DedupeCache, LogRing, NonceSource } from "@clawdbot/sidecar";
import { Backoff } from "@clawdbot/protocol/client";

test("LogRing tails after a cursor, reports truncation and reset", () => {
  const ring = new LogRing(3);
  for (const l of ["a", "b", "c", "d"]) ring.push(l);
  // Cursors are byte offsets, as in a log file: "a\n" is 0–1, "b\n" starts at 2, the end is 8.
  const file = ring.file;
  assert.deepEqual(ring.tail(undefined, 10, 1000), { file, cursor: 8, size: 8, lines: ["b", "c", "d"], truncated: false, reset: false });
  assert.deepEqual(ring.tail(4, 1, 1000), { file, cursor: 6, size: 8, lines: ["c"], truncated: true, reset: false });
  assert.equal(ring.tail(0, 10, 1000).reset, true, "a cursor before what is kept resets to the tail");
  assert.equal(ring.tail(3, 10, 1000).reset, true, "a cursor inside a line resets to the tail");
});

test("DedupeCache returns the first outcome within the TTL and evicts beyond capacity", async () => {
  let now = 0;
  let runs = 0;
  const cache = new DedupeCache(() => now, 100, 2);
  const work = async () => ({ ok: true as const, payload: ++runs });
  assert.deepEqual(await cache.run("a", work), { ok: true, payload: 1 });
  assert.deepEqual(await cache.run("a", work), { ok: true, payload: 1 });
  await cache.run("b", work);
  await cache.run("c", work);
  assert.ok(cache.size <= 2);
  now = 100;
  assert.deepEqual(await cache.run("c", work), { ok: true, payload: 4 });
});

test("Backoff grows exponentially with jitter up to its cap and resets", () => {
  const b = new Backoff(100, 1000, () => 1);
  assert.deepEqual([b.next(), b.next(), b.next(), b.next(), b.next()], [100, 200, 400, 800, 1000]);
  b.reset();
  assert.equal(b.next(), 100);
});

test("NonceSource gives 32-byte base64url nonces that never repeat across pool refills", () => {
  const source = new NonceSource(4);
  const seen = new Set<string>();
  for (let i = 0; i < 1000; i++) {
    const n = source.next();
    assert.match(n, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(Buffer.from(n, "base64url").length, 32);
    seen.add(n);
  }
  assert.equal(seen.size, 1000);
});

test("the node host's Chromium keeps its sandbox unless it runs as root (where Chromium refuses it)", async () => {
  const { chromiumArgs } = await import("../../cli/src/node-host/canvas.js");
  assert.equal(chromiumArgs(false).includes("--no-sandbox"), false);
  assert.equal(chromiumArgs(true).includes("--no-sandbox"), true);
  assert.ok(chromiumArgs(false).includes("--disable-background-networking"));
});

test("DeviceKeys remembers only canonical keys: padded or PEM spellings decode but are not cached", async () => {
  const { DeviceKeys } = await import("../../sidecar/src/auth/device-proof.js");
  const { generateIdentity, identityToPem } = await import("@clawdbot/protocol/client");
  const { createPublicKey } = await import("node:crypto");
  const id = generateIdentity();
  const keys = new DeviceKeys(8);
  const canonical = keys.get(id.publicKey);
  assert.equal(canonical?.deviceId, id.deviceId);
  assert.equal(keys.size, 1);
  for (let n = 1; n <= 20; n++) assert.equal(keys.get(id.publicKey + "=".repeat(n * 1000))?.deviceId, id.deviceId);
  const pem = createPublicKey(identityToPem(id)).export({ type: "spki", format: "pem" }).toString();
  assert.equal(keys.get(pem)?.deviceId, id.deviceId);
  assert.equal(keys.size, 1, "variants were not remembered");
  assert.equal(keys.get("not a key"), null);
  for (let i = 0; i < 20; i++) keys.get(generateIdentity().publicKey);
  assert.equal(keys.size, 8, "bounded");
});

// FailureRateLimiter without sockets: failures per key in a window, attempts in flight counted.
import { test } from "node:test";
import assert from "node:assert/strict";
import { FailureRateLimiter } from "@clawdbot/sidecar";

const fails = () => Promise.reject(new Error("wrong"));
const always = () => true;

/** Runs one failing attempt; resolves with "failed" or "limited". */
async function tryOnce(l: FailureRateLimiter, key: string, attempt: () => Promise<unknown> = fails): Promise<string> {
  try {
    await l.run(key, attempt, always);
    return "ok";
  } catch (err) {
    return (err as Error).name === "RateLimited" ? "limited" : "failed";
  }
}

test("trips after maxFailures within the window, per key, and recovers after it", async () => {
  let now = 0;
  const l = new FailureRateLimiter(2, 1000, () => now);
  assert.equal(await tryOnce(l, "ip"), "failed");
  assert.equal(l.retryAfter("ip"), 0);
  assert.equal(await tryOnce(l, "ip"), "failed");
  assert.equal(l.retryAfter("ip"), 1000);
  assert.equal(await tryOnce(l, "ip", async () => "right"), "limited");
  assert.equal(await tryOnce(l, "other", async () => "right"), "ok");
  now = 1000;
  assert.equal(l.retryAfter("ip"), 0);
  assert.equal(await tryOnce(l, "ip", async () => "right"), "ok");
});

test("500 parallel failing attempts: exactly maxFailures are run, the rest are refused", async () => {
  const l = new FailureRateLimiter(20, 60_000, () => 0);
  let ran = 0;
  const slow = async () => {
    ran++;
    await new Promise((r) => setImmediate(r));
    throw new Error("wrong");
  };
  const outcomes = await Promise.all(Array.from({ length: 500 }, () => tryOnce(l, "ip", slow)));
  assert.equal(ran, 20);
  assert.equal(outcomes.filter((o) => o === "failed").length, 20);
  assert.equal(outcomes.filter((o) => o === "limited").length, 480);
});

test("a burst of good attempts is queued, never refused, and never runs more than maxFailures at once", async () => {
  const l = new FailureRateLimiter(5, 60_000, () => 0);
  let running = 0;
  let peak = 0;
  const ok = async () => {
    peak = Math.max(peak, ++running);
    await new Promise((r) => setImmediate(r));
    running--;
    return "ok";
  };
  const outcomes = await Promise.all(Array.from({ length: 200 }, () => tryOnce(l, "ip", ok)));
  assert.deepEqual(new Set(outcomes), new Set(["ok"]));
  assert.equal(peak, 5);
  assert.equal(l.size, 0, "an idle key with no failures is forgotten");
});

test("failures that are not counted (isFailure false) do not use the budget", async () => {
  const l = new FailureRateLimiter(1, 60_000, () => 0);
  for (let i = 0; i < 5; i++) await assert.rejects(l.run("ip", fails, () => false), /wrong/);
  assert.equal(await tryOnce(l, "ip", async () => 1), "ok");
});

test("the number of keys is bounded", async () => {
  const l = new FailureRateLimiter(3, 60_000, () => 0, 100);
  for (let i = 0; i < 1000; i++) await tryOnce(l, `k${i}`);
  assert.ok(l.size <= 100, String(l.size));
});

// Waiting in tests: a deadline for hangs, never a timing assertion.
import assert from "node:assert/strict";

/** Polls until `cond` holds, failing with `what` after `ms`. */
export async function eventually(what: string, cond: () => Promise<boolean> | boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) assert.fail(`${what}: still not true after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The error `p` rejects with; fails the test when it resolves. */
export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  return assert.fail("expected the call to fail");
}

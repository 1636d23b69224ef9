// End-of-test cleanup in reverse order of set-up (node:test runs `after` hooks first-registered
// first, which would delete a state dir under a still-running gateway), every step attempted even
// when an earlier one fails.
import type { TestContext } from "node:test";

const stacks = new WeakMap<TestContext, (() => unknown)[]>();

/** Runs `fn` when the test ends, after everything deferred later has run. */
export function defer(t: TestContext, fn: () => unknown): void {
  let stack = stacks.get(t);
  if (!stack) {
    const steps: (() => unknown)[] = [];
    stacks.set(t, steps);
    t.after(() => unwind(steps));
    stack = steps;
  }
  stack.push(fn);
}

async function unwind(steps: (() => unknown)[]): Promise<void> {
  let first: unknown;
  for (const step of steps.reverse()) {
    try {
      await step();
    } catch (err) {
      first ??= err;
    }
  }
  if (first !== undefined) throw first;
}

// The usage ledger on a real file: runs that end together are written together, and every run
// whose record resolved is counted in the file the next gateway opens.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UsageLedger } from "../../sidecar/src/agent/usage.js";

test("200 runs recorded at once are all counted on disk, tokens and costs summed per backend and model", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "clawdbot-usage-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const now = () => Date.parse("2026-12-06T12:00:00Z");
  const ledger = await UsageLedger.open(dir, now);
  await Promise.all(
    Array.from({ length: 200 }, (_, i) =>
      i % 2 === 0
        ? ledger.record("echo", "echo", undefined)
        : ledger.record("openai", "gpt-test", { input: 10, output: 5, cacheRead: 1, cacheWrite: 0, ...(i % 4 === 1 ? { cost: 0.5 } : {}) }),
    ),
  );
  // Another run after the batch went out starts a write of its own and is counted too.
  await ledger.record("echo", "echo", undefined);
  const reopened = await UsageLedger.open(dir, now);
  const rows = reopened.rows(1);
  const echo = rows.find((r) => r.backend === "echo")!;
  const openai = rows.find((r) => r.backend === "openai")!;
  assert.equal(echo.runs, 101);
  assert.equal(echo.input, 0);
  assert.equal(openai.runs, 100);
  assert.equal(openai.input, 1000);
  assert.equal(openai.output, 500);
  assert.equal(openai.cacheRead, 100);
  assert.equal(openai.totalCost, 25);
  assert.equal(openai.missingCostEntries, 50);
  const file = JSON.parse(await readFile(join(dir, "usage", "usage.json"), "utf8")) as { rows: unknown[] };
  assert.equal(file.rows.length, 2);
});

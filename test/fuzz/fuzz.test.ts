// The fuzzer's short run inside `make test` (20,000 frames; `make fuzz` sends 1,000,000).
import { test } from "node:test";
import assert from "node:assert/strict";
import { formatReport, runFuzz, verdict, STATES } from "./fuzz.js";
import { MUTATIONS } from "./frames.js";

test("20,000 generated and mutated frames in every connection state: no crash, no rejection, no contract break, RSS flat", async () => {
  const report = await runFuzz({ count: Number(process.env["FUZZ_COUNT"] ?? 20_000), seed: Number(process.env["FUZZ_SEED"] ?? 16) });
  const text = formatReport(report);
  console.log(text);
  assert.ok(report.sent >= 20_000, text);
  for (const s of STATES) assert.ok(report.byState[s] > 0, `no frames sent in state ${s}\n${text}`);
  for (const m of MUTATIONS) assert.ok(report.byMutation[m] > 0, `mutation ${m} never used\n${text}`);
  assert.deepEqual(verdict(report).problems, [], text);
});

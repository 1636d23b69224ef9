// 20,000 fuzz frames (FUZZ_COUNT) against a gateway process in every connection state; any
// crash, unhandled rejection, error log line or contract break fails the test with its frame.
// `make fuzz` runs the full 1,000,000. A failing seed is printed; FUZZ_SEED repeats it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { runFuzz } from "./run.js";
import { verdict } from "./verdict.js";

const frames = Number(process.env["FUZZ_COUNT"] ?? 20_000);

test(`${frames} mutated frames before connect, as connect, mid-handshake, as operator and as node: no crash, no contract break`, async (t) => {
  const seed = Number(process.env["FUZZ_SEED"] ?? Math.floor(Math.random() * 2 ** 31));
  const report = await runFuzz({ frames, seed, lanes: 8 });
  const v = verdict(report, false);
  t.diagnostic(`seed ${seed} (FUZZ_SEED=${seed} repeats this run)`);
  for (const line of v.lines) t.diagnostic(line);
  const examples = report.examples.map((e) => `${e.kind}: ${e.detail}${e.frame ? `\n  frame: ${e.frame}` : ""}`).join("\n");
  assert.equal(report.crashed, false, `the gateway exited (seed ${seed}): ${examples}`);
  assert.deepEqual(report.findings, {}, `seed ${seed}:\n${examples}`);
  assert.equal(report.frames, frames);
  for (const [state, n] of Object.entries(report.framesByState)) assert.ok(n > 0, `no frames sent in state ${state}`);
  for (const [kind, n] of Object.entries(report.framesByMutation)) assert.ok(n > 0, `no frame carried mutation ${kind}`);
  // The frames reached the handlers: some succeeded and some were refused by each layer.
  for (const code of ["ok", "INVALID_REQUEST", "FORBIDDEN", "NOT_FOUND"]) assert.ok((report.answers[code] ?? 0) > 0, `no ${code} answers: ${JSON.stringify(report.answers)}`);
  assert.ok(Object.keys(report.closes).some((k) => k.startsWith("before-connect server 1008")), JSON.stringify(report.closes));
});

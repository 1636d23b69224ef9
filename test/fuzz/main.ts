// `make fuzz`: runs FUZZ_COUNT (default 1,000,000) fuzz frames against a gateway process and prints
// the report; exits 1 on any crash, unhandled rejection, error log line, contract break, or growth of
// RSS or open descriptors.
import { runFuzz } from "./run.js";
import { verdict } from "./verdict.js";

const frames = Number(process.env["FUZZ_COUNT"] ?? 1_000_000);
const seed = Number(process.env["FUZZ_SEED"] ?? Math.floor(Math.random() * 2 ** 31));
const lanes = Number(process.env["FUZZ_LANES"] ?? 8);
// FUZZ_HEAP_SNAPSHOTS=<folder>: V8 heap snapshots of the gateway at the warm mark and at the end, to compare in DevTools.
console.log(`fuzz: ${frames} frames, seed ${seed} (FUZZ_SEED=${seed} repeats this run), ${lanes} lanes`);
// Ctrl-C (or SIGTERM) stops sending and still prints the report of the frames sent so far.
const stop = new AbortController();
for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => stop.abort());
const heapSnapshots = process.env["FUZZ_HEAP_SNAPSHOTS"];
const report = await runFuzz({ frames, seed, lanes, progress: (l) => console.log(l), signal: stop.signal, ...(heapSnapshots ? { heapSnapshots } : {}) });
const v = verdict(report);
console.log(JSON.stringify({ ...report, examples: undefined, gateway: { ...report.gateway, errors: undefined } }, null, 2));
for (const e of report.examples) console.log(`${e.kind}: ${e.detail}${e.frame ? `\n  frame: ${e.frame}` : ""}`);
console.log(v.lines.join("\n"));
process.exit(v.ok ? 0 : 1);

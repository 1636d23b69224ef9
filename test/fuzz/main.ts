// `make fuzz`: the full campaign (FUZZ_COUNT frames, default 1,000,000; FUZZ_SEED to replay).
import { formatReport, runFuzz, verdict } from "./fuzz.js";

const count = Number(process.env["FUZZ_COUNT"] ?? 1_000_000);
const seed = Number(process.env["FUZZ_SEED"] ?? Date.now() % 1_000_000);
const report = await runFuzz({ count, seed, lanes: 8, progress: (line) => console.log(line) });
console.log(formatReport(report));
process.exit(verdict(report).ok ? 0 : 1);

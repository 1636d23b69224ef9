// `make soak`: SOAK_SECONDS (default 600) of SOAK_CLIENTS (500) operator clients connecting,
// calling and dropping (half without a close frame), SOAK_NODES (20) nodes answering invokes and a
// reconnect storm every SOAK_STORM_EVERY (60) s; a line every SOAK_INTERVAL (30) s;
// SOAK_CPU_PROFILE=<folder> writes a CPU profile of the gateway there. Exits 1 unless RSS (after
// GC) and open descriptors at the end are within 10 % of the 2-minute mark and the gateway's
// event-loop delay p99 (beyond the 5 ms sampling interval) stays under 20 ms outside the storms.
import { runSoak } from "./soak.js";

const env = (name: string, dflt: number): number => Number(process.env[name] ?? dflt);
const report = await runSoak({
  seconds: env("SOAK_SECONDS", 600),
  clients: env("SOAK_CLIENTS", 500),
  nodes: env("SOAK_NODES", 20),
  intervalSeconds: env("SOAK_INTERVAL", 30),
  stormEverySeconds: env("SOAK_STORM_EVERY", 60),
  log: (line) => console.log(line),
  ...(process.env["SOAK_CPU_PROFILE"] ? { cpuProfileDir: process.env["SOAK_CPU_PROFILE"] } : {}),
});
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`;
const base = report.samples.find((s) => s.atS === report.baselineAtS);
const end = report.samples.at(-1);
const g = report.gateway;
console.log(`totals ${JSON.stringify(report.totals)}; failed invokes by cause ${JSON.stringify(report.invokeErrorsByCause)}`);
console.log(`gateway: uncaught ${g.uncaughtExceptions}, unhandled rejections ${g.unhandledRejections}, error log lines ${g.loggedErrors}${g.errors?.length ? `\n  ${g.errors.join("\n  ")}` : ""}`);
console.log(`storms: ${report.storms.map((s) => `${s.atS} s (${s.reconnectMs} ms to reconnect)`).join(", ")}`);
console.log(`RSS after GC: ${mb(report.gcRss.baseline)} at ${report.baselineAtS} s, ${mb(report.gcRss.end)} at the end → ${report.pass.rss ? "PASS" : "FAIL"} (within 10 %)`);
console.log(`open fds: ${base?.fds ?? "?"} at ${report.baselineAtS} s, ${end?.fds ?? "?"} at the end → ${report.pass.fds ? "PASS" : "FAIL"} (within 10 %)`);
console.log(`event-loop p99 outside storms: worst ${Math.max(0, ...report.samples.map((s) => s.calmP99Ms)).toFixed(1)} ms → ${report.pass.eventLoop ? "PASS" : "FAIL"} (< 20 ms)`);
const clean = !report.crashed && g.uncaughtExceptions === 0 && g.unhandledRejections === 0 && g.loggedErrors === 0;
console.log(`crashed ${report.crashed}; ${clean ? "no" : "SOME"} gateway errors`);
process.exit(clean && report.pass.rss && report.pass.fds && report.pass.eventLoop ? 0 : 1);

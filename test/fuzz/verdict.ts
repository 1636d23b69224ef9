// Pass/fail of a fuzz run, shared by `make fuzz` and the test file.
import type { FuzzReport } from "./run.js";

/** RSS may end at most this much above the mark taken after the first tenth of the run (after GC). */
export const RSS_SLACK = { ratio: 1.1, bytes: 24 * 1024 * 1024 };
/** Open descriptors may end at most this many above the warm mark (log files, pools settling). */
export const FD_SLACK = 8;

export interface Verdict {
  ok: boolean;
  lines: string[];
}

/** Zero findings of any kind, no crash, and RSS and open descriptors flat from the warm mark to the end. */
export function verdict(r: FuzzReport, checkRss = true): Verdict {
  const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`;
  const findings = Object.entries(r.findings).filter(([, n]) => n > 0);
  const rssLimit = Math.max(r.rss.warm * RSS_SLACK.ratio, r.rss.warm + RSS_SLACK.bytes);
  const rssFlat = r.rss.end <= rssLimit;
  const fdsFlat = r.fds.end <= r.fds.warm + FD_SLACK;
  const lines = [
    `frames ${r.frames} (${Object.entries(r.framesByState).map(([s, n]) => `${s} ${n}`).join(", ")}), connections ${r.connections}, ${(r.durationMs / 1000).toFixed(0)} s, ${Math.round(r.frames / (r.durationMs / 1000))} frames/s; gateway CPU ${(r.gatewayCpuMs / 1000).toFixed(1)} s (${Math.round(r.frames / Math.max(0.001, r.gatewayCpuMs / 1000))} frames per gateway CPU second)`,
    `crashes ${r.crashed ? 1 : 0}, uncaught ${r.gateway.uncaughtExceptions ?? "?"}, unhandled rejections ${r.gateway.unhandledRejections ?? "?"}, error log lines ${r.gateway.loggedErrors ?? "?"}`,
    `contract breaks ${findings.length === 0 ? 0 : findings.map(([k, n]) => `${k} ${n}`).join(", ")}`,
    `frames by mutation: ${Object.entries(r.framesByMutation).map(([k, n]) => `${k} ${n}`).join(", ")}`,
    `RSS start ${mb(r.rss.start)}, after 10% ${mb(r.rss.warm)}, end ${mb(r.rss.end)} (limit ${mb(rssLimit)}) ${rssFlat ? "flat" : "GREW"}`,
    `after GC, V8 heap: after 10% ${mb(r.heap.warm)}, end ${mb(r.heap.end)}; outside the heap (Buffers…): ${mb(r.external.warm)} → ${mb(r.external.end)}`,
    `open descriptors after 10% ${r.fds.warm}, end ${r.fds.end} (limit ${r.fds.warm + FD_SLACK}) ${fdsFlat ? "flat" : "GREW"}`,
  ];
  return { ok: !r.crashed && findings.length === 0 && (!checkRss || (rssFlat && fdsFlat)), lines };
}

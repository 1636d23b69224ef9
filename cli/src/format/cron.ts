import type { CronJob, CronRunLogEntry, Result } from "@clawdbot/protocol";
import { ago } from "./time.js";

/** "every 2h", "cron 0 8 * * * (Europe/Berlin)", "at 2026-12-24T17:00:00.000Z". */
export function describeSchedule(s: CronJob["schedule"]): string {
  if (s.kind === "at") return `at ${new Date(s.atMs).toISOString()}`;
  if (s.kind === "cron") return `cron ${s.expr}${s.tz ? ` (${s.tz})` : ""}`;
  return `every ${duration(s.everyMs)}`;
}

function duration(ms: number): string {
  const parts: string[] = [];
  let rest = Math.round(ms / 1000);
  for (const [unit, size] of [["d", 86_400], ["h", 3600], ["m", 60], ["s", 1]] as const) {
    if (rest < size) continue;
    parts.push(`${Math.floor(rest / size)}${unit}`);
    rest %= size;
  }
  return parts.join("") || `${ms}ms`;
}

function what(j: CronJob): string {
  const p = j.payload;
  if (p.kind === "systemEvent") return `system event "${p.text}"`;
  return `"${p.message}"${p.deliver && p.to ? ` → ${p.to}` : ""}`;
}

/** One block per job. */
export function formatJob(j: CronJob, now = Date.now()): string {
  const next = j.state.nextRunAtMs !== undefined ? `next ${new Date(j.state.nextRunAtMs).toISOString()} (${ago(j.state.nextRunAtMs, now)})` : "no next run";
  const last = j.state.lastRunAtMs !== undefined ? `, last ${j.state.lastStatus ?? "?"} ${ago(j.state.lastRunAtMs, now)}${j.state.lastError ? `: ${j.state.lastError}` : ""}` : "";
  return `${j.id}  ${j.name}${j.enabled ? "" : "  [disabled]"}\n  ${describeSchedule(j.schedule)}; ${what(j)} in ${j.sessionTarget}\n  ${next}${last}`;
}

export function formatJobs(jobs: CronJob[], now = Date.now()): string {
  return jobs.length === 0 ? "no scheduled jobs" : jobs.map((j) => formatJob(j, now)).join("\n");
}

export function formatCronStatus(s: Result<"cron.status">): string {
  const next = s.nextWakeAtMs === null ? "nothing scheduled" : `next wake ${new Date(s.nextWakeAtMs).toISOString()} (${ago(s.nextWakeAtMs)})`;
  return `scheduler ${s.enabled ? "running" : "off"}; ${s.jobs} jobs (${s.enabledJobs} enabled, ${s.runningJobs} running); ${next}\njobs file: ${s.storePath}`;
}

/** One line per run, oldest first. */
export function formatRuns(entries: CronRunLogEntry[]): string {
  if (entries.length === 0) return "no runs yet";
  return entries
    .map((e) => {
      const late = e.late ? " late" : "";
      const delivery = e.deliveryStatus === "not-requested" ? "" : `  delivery ${e.deliveryStatus}${e.deliveryAttempts ? ` after ${e.deliveryAttempts} attempt(s)` : ""}`;
      return `${new Date(e.runAtMs).toISOString()}  ${e.status}${late} (${e.trigger}, ${e.durationMs} ms)${e.error ? `  ${e.error}` : e.summary ? `  ${e.summary.replace(/\s+/g, " ")}` : ""}${delivery}`;
    })
    .join("\n");
}

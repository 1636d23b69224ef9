import { createRequire } from "node:module";
import type { CronSchedule } from "@clawdbot/protocol";
import { GatewayError } from "../errors.js";

/**
 * The first time strictly after `afterMs` the schedule says to run, or undefined when it never
 * will again. Cron expressions (time zones, daylight-saving gaps and repeats) are croner's job:
 * a 02:30 job on a spring-forward day runs at 03:00 once, on a fall-back day once at the first 02:30.
 */
export function nextRunAt(schedule: CronSchedule, afterMs: number, createdAtMs: number): number | undefined {
  switch (schedule.kind) {
    case "at":
      return schedule.atMs > afterMs ? schedule.atMs : undefined;
    case "every": {
      const anchor = schedule.anchorMs ?? createdAtMs;
      if (afterMs < anchor) return anchor;
      return anchor + (Math.floor((afterMs - anchor) / schedule.everyMs) + 1) * schedule.everyMs;
    }
    case "cron":
      return cronPattern(schedule.expr, schedule.tz).nextRun(new Date(afterMs))?.getTime();
  }
}

/** Refuses a schedule that cannot run: a bad expression or zone, an instant already past. */
export function checkSchedule(schedule: CronSchedule, nowMs: number): void {
  if (schedule.kind === "at" && schedule.atMs <= nowMs) {
    throw new GatewayError("params_invalid", `schedule.atMs: ${new Date(schedule.atMs).toISOString()} is already past`);
  }
  if (schedule.kind !== "cron") return;
  if (schedule.tz !== undefined && !isTimeZone(schedule.tz)) {
    throw new GatewayError("params_invalid", `schedule.tz: "${schedule.tz}" is not an IANA time zone (e.g. Europe/Berlin)`);
  }
  let next: Date | null;
  try {
    next = cronPattern(schedule.expr, schedule.tz).nextRun(new Date(nowMs));
  } catch (err) {
    throw new GatewayError("params_invalid", `schedule.expr: "${schedule.expr}" is not a cron expression: ${(err as Error).message}`);
  }
  if (!next) throw new GatewayError("params_invalid", `schedule.expr: "${schedule.expr}" never matches a future time`);
}

// croner is required with the first cron expression, not imported: a gateway without cron jobs never needs it.
const require = createRequire(import.meta.url);

function cronPattern(expr: string, tz: string | undefined): import("croner").Cron {
  const { Cron } = require("croner") as typeof import("croner");
  return new Cron(expr, { paused: true, ...(tz ? { timezone: tz } : {}) });
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

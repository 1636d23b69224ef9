import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";

/** Linux /proc readings of another process: resident memory and consumed CPU time. */

const CLK_TCK = clockTicks();

function clockTicks(): number {
  try {
    const n = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
    return Number.isFinite(n) && n > 0 ? n : 100;
  } catch {
    return 100;
  }
}

/** VmRSS of `pid` in bytes (undefined when /proc is unavailable or the process is gone). */
export function readRssBytes(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m?.[1] === undefined ? undefined : Number(m[1]) * 1024;
  } catch {
    return undefined;
  }
}

/** User + system CPU time of `pid` (all its threads) in milliseconds. */
export function readCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(rest[11]) + Number(rest[12]);
    return Number.isFinite(ticks) ? (ticks * 1000) / CLK_TCK : undefined;
  } catch {
    return undefined;
  }
}

/** CPU time (ms) of every child this process has waited for: cutime + cstime of /proc/self/stat. */
export function readReapedChildrenCpuMs(): number {
  const stat = readFileSync("/proc/self/stat", "utf8");
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(rest[13]) + Number(rest[14])) * 1000) / CLK_TCK;
}

/** Soft and hard open-file limits of a shell started from here (what children inherit). */
export function fdLimits(): { soft: number; hard: number } {
  try {
    const out = execFileSync("sh", ["-c", "ulimit -Sn; ulimit -Hn"], { encoding: "utf8" }).trim().split("\n");
    return { soft: parseLimit(out[0]), hard: parseLimit(out[1]) };
  } catch {
    return { soft: 1024, hard: 1024 };
  }
}

function parseLimit(s: string | undefined): number {
  if (s === undefined) return 1024;
  if (s.trim() === "unlimited") return Number.MAX_SAFE_INTEGER;
  const n = Number(s);
  return Number.isFinite(n) ? n : 1024;
}

/** CPU time all processes on the machine spent busy (all CPUs), in milliseconds. */
export function readMachineBusyMs(): number | undefined {
  try {
    const first = readFileSync("/proc/stat", "utf8").split("\n", 1)[0] ?? "";
    const f = first.trim().split(/\s+/).slice(1).map(Number);
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = (f[3] ?? 0) + (f[4] ?? 0);
    return ((total - idle) * 1000) / CLK_TCK;
  } catch {
    return undefined;
  }
}

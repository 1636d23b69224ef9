import { readFile, readdir } from "node:fs/promises";
import { execFile } from "node:child_process";

/** What the OS says about a live process. */
export interface ProcessInfo {
  pid: number;
  pgid: number;
  /** Opaque start-time stamp: the same pid with another stamp is another process. */
  startTime: string;
  /** The command line, arguments joined by single spaces. */
  command: string;
}

/** Looks processes up by pid and by process group (zombies count as gone). */
export interface ProcessTable {
  info(pid: number): Promise<ProcessInfo | null>;
  /** Live members of a process group. */
  groupMembers(pgid: number): Promise<number[]>;
}

/** The process table of this machine: /proc on Linux, `ps` elsewhere. */
export function systemProcessTable(platform: NodeJS.Platform = process.platform): ProcessTable {
  return platform === "linux" ? procTable : psTable;
}

const procTable: ProcessTable = {
  async info(pid) {
    const stat = await readProcStat(pid);
    if (!stat) return null;
    const raw = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
    const command = raw.split("\0").filter((a, i, all) => a !== "" || i < all.length - 1).join(" ");
    return { pid, pgid: stat.pgid, startTime: stat.startTime, command };
  },
  async groupMembers(pgid) {
    const pids = (await readdir("/proc")).filter((n) => /^\d+$/.test(n)).map(Number);
    const out: number[] = [];
    for (const pid of pids) {
      const stat = await readProcStat(pid);
      if (stat?.pgid === pgid) out.push(pid);
    }
    return out;
  },
};

/** Fields of /proc/<pid>/stat after the command name, which may itself hold spaces and parentheses. */
async function readProcStat(pid: number): Promise<{ pgid: number; startTime: string } | null> {
  const text = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => null);
  if (text === null) return null;
  const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // rest[0] is field 3 (state), rest[2] field 5 (pgrp), rest[19] field 22 (start time in ticks since boot).
  if (rest[0] === "Z" || rest[0] === "X") return null;
  const pgid = Number(rest[2]);
  const startTime = rest[19];
  if (!Number.isInteger(pgid) || startTime === undefined) return null;
  return { pgid, startTime };
}

const psTable: ProcessTable = {
  async info(pid) {
    const out = await ps(["-o", "pgid=,stat=,lstart=,command=", "-p", String(pid)]);
    const line = out.split("\n").find((l) => l.trim() !== "");
    if (!line) return null;
    // pgid, stat, then lstart as five words ("Mon Jan  6 12:00:00 2025"), then the command.
    const words = line.trim().split(/\s+/);
    if (words.length < 8 || words[1]!.startsWith("Z")) return null;
    return { pid, pgid: Number(words[0]), startTime: words.slice(2, 7).join(" "), command: words.slice(7).join(" ") };
  },
  async groupMembers(pgid) {
    const out = await ps(["-A", "-o", "pid=,pgid=,stat="]);
    return out
      .split("\n")
      .map((l) => l.trim().split(/\s+/))
      .filter((w) => w.length >= 3 && Number(w[1]) === pgid && !w[2]!.startsWith("Z"))
      .map((w) => Number(w[0]));
  },
};

function ps(args: string[]): Promise<string> {
  return new Promise((resolve) => {
    // `ps -p` exits 1 when the pid is gone: that is an answer, not a failure.
    execFile("ps", args, { timeout: 5000 }, (_err, stdout) => resolve(String(stdout ?? "")));
  });
}

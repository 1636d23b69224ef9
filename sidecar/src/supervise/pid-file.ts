import { readFile, rm } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { Type, type Static } from "@sinclair/typebox";
import { check } from "@clawdbot/protocol";
import type { Logger } from "pino";
import { writeFileAtomic } from "../store/atomic-file.js";
import type { ProcessTable } from "./process-table.js";

const RecordSchema = Type.Object(
  {
    pid: Type.Integer({ minimum: 1 }),
    pgid: Type.Integer({ minimum: 1 }),
    command: Type.String(),
    args: Type.Array(Type.String()),
    startTime: Type.Optional(Type.String()),
    startedAt: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type PidRecord = Static<typeof RecordSchema>;

/** What `reapStale` found and did. */
export type ReapOutcome =
  | { action: "none" }
  | { action: "killed"; pid: number; pgid: number }
  | { action: "left-alone"; pid: number; why: string };

/**
 * The pid file of one supervised program. A gateway killed with SIGKILL cannot stop its child;
 * the next start reads this file and ends that child, after checking that the pid still names the
 * process we started (same start time, command line ending in our arguments) and not a stranger
 * that inherited the number.
 */
export class PidFile {
  constructor(
    readonly path: string,
    private readonly table: ProcessTable,
    private readonly log: Logger,
  ) {}

  async write(record: PidRecord): Promise<void> {
    await writeFileAtomic(this.path, `${JSON.stringify(record)}\n`);
  }

  async remove(): Promise<void> {
    await rm(this.path, { force: true });
  }

  async read(): Promise<PidRecord | null> {
    const text = await readFile(this.path, "utf8").catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return null;
      throw err;
    });
    if (text === null) return null;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = undefined;
    }
    const parsed = check(RecordSchema, value);
    if (parsed.ok) return parsed.value;
    this.log.warn({ path: this.path }, "pid file unreadable; ignored");
    return null;
  }

  /** Ends the program a previous gateway run left behind, if it is still running and really ours. */
  async reapStale(graceMs: number): Promise<ReapOutcome> {
    const rec = await this.read();
    if (!rec) {
      await this.remove();
      return { action: "none" };
    }
    const outcome = await this.judge(rec);
    if (outcome.action === "killed") {
      this.log.warn({ pid: rec.pid, pgid: rec.pgid, command: rec.command }, "ending a program left running by an earlier gateway");
      await killGroup(rec.pgid, this.table, graceMs);
    } else if (outcome.action === "left-alone") {
      this.log.warn({ pid: rec.pid, why: outcome.why }, "pid file names a process that is not ours; left alone");
    }
    await this.remove();
    return outcome;
  }

  private async judge(rec: PidRecord): Promise<ReapOutcome> {
    const info = await this.table.info(rec.pid);
    if (info) {
      if (rec.startTime !== undefined && info.startTime !== rec.startTime) return { action: "left-alone", pid: rec.pid, why: "another process now has this pid" };
      const tail = rec.args.join(" ");
      if (tail !== "" && !info.command.endsWith(tail)) return { action: "left-alone", pid: rec.pid, why: `its command line is "${info.command.slice(0, 200)}"` };
      if (info.pgid !== rec.pgid) return { action: "left-alone", pid: rec.pid, why: "it left the process group we made" };
      return { action: "killed", pid: rec.pid, pgid: rec.pgid };
    }
    // The leader is gone but members of its group may live on (a wrapper's children). A pid is never
    // handed out again while a process group still carries it as its id, so a live group with this id
    // is still the one we created.
    if ((await this.table.groupMembers(rec.pgid)).length > 0) return { action: "killed", pid: rec.pid, pgid: rec.pgid };
    return { action: "none" };
  }
}

/** SIGTERM to the whole group, SIGKILL to whatever is left after `graceMs`; resolves once the group is empty. */
export async function killGroup(pgid: number, table: ProcessTable, graceMs: number): Promise<void> {
  signalGroup(pgid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while ((await table.groupMembers(pgid)).length > 0) {
    if (Date.now() >= deadline) {
      signalGroup(pgid, "SIGKILL");
      await waitEmpty(pgid, table, 5000);
      return;
    }
    await sleep(25);
  }
}

async function waitEmpty(pgid: number, table: ProcessTable, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while ((await table.groupMembers(pgid)).length > 0 && Date.now() < deadline) await sleep(25);
}

/** Sends a signal to a process group; a group that is already gone is not an error. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ESRCH") return false;
    throw err;
  }
}

import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { InstanceRecord } from "./instance-record.js";

/** `<stateDir>/gateway-instance.json` */
export function instanceRecordPath(stateDir: string): string {
  return join(stateDir, "gateway-instance.json");
}

/** What a client needs from the instance record to reach the gateway. */
export type RunningGateway = Pick<InstanceRecord, "pid" | "websocketUrl" | "tlsFingerprint">;

/**
 * The address of the gateway running on this state dir, or undefined (no record, an unreadable
 * one, or one left by a process that is gone). Synchronous and without the schema validator, so
 * the CLI's hot commands can afford it before connecting; the full record is readInstanceRecord's.
 */
export function readRunningGateway(stateDir: string, alive: (pid: number) => boolean = processAlive): RunningGateway | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(instanceRecordPath(stateDir), "utf8"));
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null) return undefined;
  const { pid, websocketUrl, tlsFingerprint } = parsed as Record<string, unknown>;
  if (typeof pid !== "number" || !Number.isInteger(pid) || pid < 1 || typeof websocketUrl !== "string") return undefined;
  if (tlsFingerprint !== undefined && typeof tlsFingerprint !== "string") return undefined;
  if (!alive(pid)) return undefined;
  return { pid, websocketUrl, ...(tlsFingerprint !== undefined ? { tlsFingerprint } : {}) };
}

/** True when a process with this pid exists (EPERM: it exists but belongs to someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

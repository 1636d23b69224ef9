import { readFileSync } from "node:fs";
import { unlink } from "node:fs/promises";
import { Type, type Static } from "@sinclair/typebox";
import { check } from "@clawdbot/protocol";
import { writeJsonFile } from "../store/json-file.js";
import { instanceRecordPath, processAlive, readRunningGateway } from "./running-gateway.js";

export { instanceRecordPath, processAlive };

/** Where a running gateway says how to reach it; the CLI and `doctor` read it. */
export const InstanceRecordSchema = Type.Object(
  {
    version: Type.Literal(1),
    pid: Type.Integer({ minimum: 1 }),
    startedAt: Type.Integer({ minimum: 0 }),
    gatewayVersion: Type.String(),
    host: Type.String(),
    port: Type.Integer({ minimum: 0, maximum: 65535 }),
    websocketUrl: Type.String(),
    webchatUrl: Type.String(),
    canvasHostUrl: Type.Optional(Type.String()),
    canvasHostProblem: Type.Optional(Type.String()),
    tlsFingerprint: Type.Optional(Type.String()),
    configPath: Type.String(),
    /** Where the log file is written, when logging.file is on. */
    logFile: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type InstanceRecord = Static<typeof InstanceRecordSchema>;

/** Written (0600, atomically) once the gateway listens. */
export function writeInstanceRecord(stateDir: string, record: InstanceRecord): Promise<void> {
  return writeJsonFile(instanceRecordPath(stateDir), record);
}

/** Removed at a clean stop; a gateway killed with SIGKILL leaves it behind, which readers detect by its pid. */
export async function removeInstanceRecord(stateDir: string, pid: number): Promise<void> {
  // The light reader: a stop should not load the schema compiler just to compare a pid.
  const current = readRunningGateway(stateDir, () => true);
  if (current && current.pid !== pid) return;
  await unlink(instanceRecordPath(stateDir)).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== "ENOENT") throw err;
  });
}

/**
 * The record of the gateway running on this state dir, or undefined (none, unreadable, or left by a
 * process that is gone). Synchronous: the CLI resolves its URL before anything else happens.
 */
export function readInstanceRecord(stateDir: string, opts: { anyPid?: boolean; alive?: (pid: number) => boolean } = {}): InstanceRecord | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(instanceRecordPath(stateDir), "utf8"));
  } catch {
    return undefined;
  }
  const res = check(InstanceRecordSchema, parsed);
  if (!res.ok) return undefined;
  if (!opts.anyPid && !(opts.alive ?? processAlive)(res.value.pid)) return undefined;
  return res.value;
}

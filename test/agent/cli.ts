// Runs the built CLI as a user would (`node cli/bin/run.js …`) against an in-process gateway.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { TestGateway } from "../support/gateway.js";

const BIN = fileURLToPath(new URL("../../cli/bin/run.js", import.meta.url));
const BUILT = fileURLToPath(new URL("../../cli/dist/commands/agent.js", import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * `clawdbot <args> --url <gateway>` with the gateway's state dir as CLAWDBOT_STATE_DIR and no other
 * CLAWDBOT_* variables. Asynchronous, so the in-process gateway keeps serving meanwhile.
 */
export function cli(gw: TestGateway, args: readonly string[], extraEnv: Record<string, string> = {}): Promise<CliRun> {
  if (!existsSync(BUILT)) throw new Error(`${BUILT} is missing: build first (npx tsc -b cli/tsconfig.json)`);
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("CLAWDBOT_")) env[k] = v;
  Object.assign(env, { CLAWDBOT_STATE_DIR: gw.stateDir, NO_COLOR: "1", FORCE_COLOR: "0" }, extraEnv);
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [BIN, ...args, "--url", gw.url], { env, timeout: 30_000, encoding: "utf8" }, (_err, stdout, stderr) =>
      resolve({ code: child.exitCode, stdout, stderr }),
    );
  });
}

/** Parses stdout as JSON, failing with the whole output when it is not. */
export function json<T>(r: CliRun): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`stdout is not JSON (exit ${r.code}):\n${r.stdout}\nstderr:\n${r.stderr}`);
  }
}

/** The run's output, for assertion messages. */
export function show(r: CliRun): string {
  return `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
}

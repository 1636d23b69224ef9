// The built `clawdbot` CLI run as a child process "on the gateway host" (the gateway's state dir).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const CLI_BIN = fileURLToPath(new URL("../../cli/bin/run.js", import.meta.url));
const CLI_BUILT = fileURLToPath(new URL("../../cli/dist/commands/pair/approve.js", import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `clawdbot <args>` "on the gateway host" (its state dir), asynchronously (the gateway runs in this process). */
export function runCli(args: string[], stateDir: string): Promise<CliResult> {
  if (!existsSync(CLI_BUILT)) throw new Error(`${CLI_BUILT} is missing: build first (npx tsc -b cli/tsconfig.json)`);
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("CLAWDBOT_")) env[k] = v;
  Object.assign(env, { FORCE_COLOR: "0", NO_COLOR: "1", CLAWDBOT_STATE_DIR: stateDir });
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [CLI_BIN, ...args], { env, timeout: 30_000, encoding: "utf8" }, (_e, stdout, stderr) =>
      resolve({ code: child.exitCode, stdout, stderr }),
    );
  });
}

/** Parses the CLI's --json stdout, failing with the whole output when the exit code is not `code`. */
export function cliJson<T>(r: CliResult, code = 0): T {
  assert.equal(r.code, code, `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

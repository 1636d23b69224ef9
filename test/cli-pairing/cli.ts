// Runs the built CLI as a user would, for the pairing CLI tests (not a test file).
import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";

export const CLI_BIN = fileURLToPath(new URL("../../cli/bin/run.js", import.meta.url));
const BUILT = fileURLToPath(new URL("../../cli/dist/commands/pair/approve.js", import.meta.url));

export const EXIT = { ok: 0, error: 1, usage: 2, unreachable: 3, unauthorized: 4, pairingRequired: 5, timeout: 6, requestFailed: 7 } as const;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Our environment without CLAWDBOT_* variables, colours off, the state dir set, then `extra` (undefined removes). */
export function env(stateDir: string, extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("CLAWDBOT_")) out[k] = v;
  Object.assign(out, { FORCE_COLOR: "0", NO_COLOR: "1", CLAWDBOT_STATE_DIR: stateDir });
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out;
}

export function assertBuilt(): void {
  if (!existsSync(BUILT)) throw new Error(`${BUILT} is missing: build first (npx tsc -b cli/tsconfig.json)`);
}

/** Runs `clawdbot <args>` to completion without blocking the event loop (an in-process gateway keeps serving). */
export function runCli(args: string[], stateDir: string, extra: Record<string, string | undefined> = {}): Promise<CliResult> {
  assertBuilt();
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [CLI_BIN, ...args], { env: env(stateDir, extra), timeout: 60_000, encoding: "utf8" }, (_err, stdout, stderr) =>
      resolve({ code: child.exitCode, stdout, stderr }),
    );
  });
}

/** A long-running `clawdbot <args>` (e.g. `pair watch`): its output so far and its exit. */
export function startCli(args: string[], stateDir: string) {
  assertBuilt();
  const child = spawn(process.execPath, [CLI_BIN, ...args], { env: env(stateDir, {}), stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const done = new Promise<CliResult>((resolve) => child.once("close", (code) => resolve({ code, stdout, stderr })));
  return {
    done,
    /** The result, or a failure naming the output when it has not exited within `ms`. */
    async within(ms: number): Promise<CliResult> {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          child.kill("SIGKILL");
          reject(new Error(`\`clawdbot ${args.join(" ")}\` still running after ${ms} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
        }, ms);
      });
      try {
        return await Promise.race([done, late]);
      } finally {
        clearTimeout(timer);
      }
    },
    kill: () => child.kill("SIGKILL"),
  };
}

export function assertExit(r: CliResult, code: number): void {
  assert.equal(r.code, code, `exit ${r.code}, expected ${code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
}

export function jsonOut<T>(r: CliResult): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`stdout is not JSON (exit ${r.code}):\n${r.stdout}\nstderr:\n${r.stderr}`);
  }
}

/** The device id of the CLI identity kept in a state dir (created on the CLI's first run). */
export async function cliDeviceId(stateDir: string): Promise<string> {
  const doc = JSON.parse(await readFile(join(stateDir, "identity", "device.json"), "utf8")) as { deviceId: string };
  return doc.deviceId;
}

/** A loopback URL nothing listens on. */
export async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const addr = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (addr === null || typeof addr === "string") throw new Error("no TCP address");
  return `ws://127.0.0.1:${addr.port}`;
}

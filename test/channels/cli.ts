// The built CLI as a user runs it: one-shot commands, and `clawdbot gateway` as a child process
// that a test can SIGKILL and start again on the same state dir.
import assert from "node:assert/strict";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { TestContext } from "node:test";
import { defer } from "./cleanup.js";

const CLI_BIN = fileURLToPath(new URL("../../cli/bin/run.js", import.meta.url));
const CLI_BUILT = fileURLToPath(new URL("../../cli/dist/commands/gateway.js", import.meta.url));
const LISTENING = /clawdbot gateway listening on (ws:\/\/\S+:(\d+)) \(pid \d+\)/;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Our environment without CLAWDBOT_* leaking in, with the state dir the CLI and gateway share. */
function env(stateDir: string): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { FORCE_COLOR: "0", NO_COLOR: "1", CLAWDBOT_STATE_DIR: stateDir };
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("CLAWDBOT_") && !(k in out)) out[k] = v;
  return out;
}

function assertBuilt(): void {
  assert.ok(existsSync(CLI_BUILT), `${CLI_BUILT} is missing: build first (npx tsc -b cli/tsconfig.json)`);
}

/** Runs one CLI command to completion without blocking the event loop (an in-process gateway keeps serving). */
export function runCli(args: string[], stateDir: string): Promise<CliResult> {
  assertBuilt();
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [CLI_BIN, ...args], { env: env(stateDir), timeout: 60_000, encoding: "utf8" }, (_err, stdout, stderr) =>
      resolve({ code: child.exitCode, stdout, stderr }),
    );
  });
}

/** A `clawdbot gateway` child. */
export interface GatewayChild {
  child: ChildProcess;
  url: string;
  port: number;
  output(): string;
  exited: Promise<void>;
  /** SIGKILL: no shutdown path runs (a crash). */
  crash(): Promise<void>;
}

/** Starts `clawdbot gateway --port 0 --config <file>`; resolves once it prints its listening line. */
export function spawnGateway(t: TestContext, stateDir: string, configPath: string): Promise<GatewayChild> {
  assertBuilt();
  const child = spawn(process.execPath, [CLI_BIN, "gateway", "--port", "0", "--config", configPath], { env: env(stateDir), stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (out += d));
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  defer(t, () => (kill(), exited));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      kill();
      reject(new Error(`gateway did not start within 60 s:\n${out}`));
    }, 60_000);
    const onData = () => {
      const m = LISTENING.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.stdout.off("data", onData);
      resolve({ child, url: m[1]!, port: Number(m[2]), output: () => out, exited, crash: () => (kill(), exited) });
    };
    child.stdout.on("data", onData);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`gateway exited before listening:\n${out}`));
    });
  });
}

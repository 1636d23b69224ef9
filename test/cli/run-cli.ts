import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, type TestContext } from "node:test";

/** The built CLI entry point; tests run it exactly as a user would (`node cli/bin/run.js …`). */
export const CLI_BIN = fileURLToPath(new URL("../../cli/bin/run.js", import.meta.url));
const CLI_DIST = fileURLToPath(new URL("../../cli/dist/commands/health.js", import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** CLAWDBOT_STATE_DIR for the child (the CLI keeps its identity there). */
  stateDir: string;
  /** Extra environment; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  /** Kill the child after this long (a hung CLI fails the test instead of stalling the run). */
  killAfterMs?: number;
}

/** The child's environment: ours without any CLAWDBOT_* leaking in, colours off, then the test's own. */
export function cliEnv(stateDir: string, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("CLAWDBOT_")) env[k] = v;
  Object.assign(env, { FORCE_COLOR: "0", NO_COLOR: "1", CLAWDBOT_STATE_DIR: stateDir });
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

function assertBuilt(): void {
  if (!existsSync(CLI_DIST)) throw new Error(`${CLI_DIST} is missing: build first (npx tsc -b cli/tsconfig.json)`);
}

/** Runs the CLI to completion without blocking the event loop (an in-process gateway must keep serving). */
export function runCli(args: string[], opts: CliOptions): Promise<CliResult> {
  assertBuilt();
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [CLI_BIN, ...args],
      { env: cliEnv(opts.stateDir, opts.env), timeout: opts.killAfterMs ?? 30_000, encoding: "utf8" },
      (_err, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }),
    );
  });
}

/** Parses stdout as JSON, failing with the raw output when it is not. */
export function jsonOut<T = unknown>(r: CliResult): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`stdout is not JSON (exit ${r.code}):\n${r.stdout}\nstderr:\n${r.stderr}`);
  }
}

/** The non-empty lines of a stream. */
export function lines(text: string): string[] {
  return text.split("\n").filter((l) => l.trim() !== "");
}

// A test's after-hooks run in the order they were registered, so a temp dir made before a gateway or
// child process is removed while that process may still write into it. Such a dir is removed again
// once every test of the file is done, when nothing of the file runs any more.
const leftOver = new Set<string>();
after(async () => {
  for (const dir of leftOver) await rm(dir, { recursive: true, force: true, maxRetries: 5 });
});

/** A fresh temp dir removed when the test ends (or, if something still writes into it then, when the file ends). */
export async function tempDir(t: TestContext, prefix = "clawdbot-cli-"): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.after(async () => {
    try {
      await rm(dir, { recursive: true, force: true, maxRetries: 2, retryDelay: 50 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOTEMPTY") throw err;
      leftOver.add(dir);
    }
  });
  return dir;
}

/** A loopback port nothing listens on (bound, read, released). */
export async function freePort(): Promise<number> {
  const server = await listenTcp(() => undefined);
  const port = portOf(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A plain TCP server on a loopback ephemeral port; `onSocket` sees every accepted socket. */
export function listenTcp(onSocket: (s: Socket) => void): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(onSocket);
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

export function portOf(server: Server): number {
  const addr = server.address();
  if (addr === null || typeof addr === "string") throw new Error("server has no TCP address");
  return addr.port;
}

/** A `clawdbot gateway` child process. */
export interface CliGateway {
  child: ChildProcess;
  port: number;
  url: string;
  /** Output collected so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has exited and its output is drained. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Output and exit of a `clawdbot gateway` that stopped before announcing it was listening. */
export interface CliGatewayFailure {
  code: number | null;
  stdout: string;
  stderr: string;
}

const LISTENING = /clawdbot gateway listening on (wss?:\/\/\S+:(\d+)) \(pid (\d+)\)/;

/**
 * Starts `clawdbot gateway <args>` and resolves once it prints its listening line, or with the
 * failure when it exits first. A still-running gateway is SIGKILLed when the test ends.
 */
export function spawnGateway(
  t: TestContext,
  args: string[],
  opts: CliOptions,
): Promise<{ ok: true; gw: CliGateway } | { ok: false; failure: CliGatewayFailure }> {
  assertBuilt();
  const child = spawn(process.execPath, [CLI_BIN, "gateway", ...args], {
    env: cliEnv(opts.stateDir, opts.env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("close", (code, signal) => resolve({ code, signal })),
  );
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  return new Promise((resolve, reject) => {
    const startMs = opts.killAfterMs ?? 90_000;
    const killer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`gateway did not start within ${startMs} ms\nstdout:\n${out}\nstderr:\n${err}`));
    }, startMs);
    const onData = () => {
      const m = LISTENING.exec(out);
      if (!m) return;
      clearTimeout(killer);
      child.stdout.off("data", onData);
      const gw: CliGateway = { child, port: Number(m[2]), url: m[1]!, stdout: () => out, stderr: () => err, exited };
      resolve({ ok: true, gw });
    };
    child.stdout.on("data", onData);
    void exited.then(({ code }) => {
      clearTimeout(killer);
      resolve({ ok: false, failure: { code, stdout: out, stderr: err } });
    });
  });
}

/** Expects the gateway child to fail at start-up; returns its exit and output. */
export async function gatewayFails(t: TestContext, args: string[], opts: CliOptions): Promise<CliGatewayFailure> {
  const r = await spawnGateway(t, args, opts);
  if (r.ok) throw new Error(`gateway started on ${r.gw.url} but was expected to fail\nstdout:\n${r.gw.stdout()}`);
  return r.failure;
}

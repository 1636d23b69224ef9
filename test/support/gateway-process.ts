// Starts test/support/gateway-child.ts in its own process and asks it for its vital signs.
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { ChildOptions, GatewayStats } from "./gateway-child.js";

export type { GatewayStats } from "./gateway-child.js";

const CHILD = fileURLToPath(new URL("./gateway-child.ts", import.meta.url));

export interface GatewayProcess {
  port: number;
  pid: number;
  url: string;
  /** Resolves with the exit code (or signal name) once the child is gone. */
  exited: Promise<number | string>;
  /** Last lines the child wrote to stderr. */
  stderr(): string;
  stats(): Promise<GatewayStats>;
  /** Runs a full GC in the child (started with --expose-gc). */
  gc(): Promise<void>;
  /** Writes a V8 heap snapshot of the child to `path` (leak hunting; the child pauses meanwhile). */
  heapSnapshot(path: string): Promise<void>;
  stop(): Promise<void>;
}

/** Forks a gateway child; resolves once it listens. */
export async function startGatewayProcess(opts: ChildOptions = {}, execArgv: string[] = []): Promise<GatewayProcess> {
  const child: ChildProcess = fork(CHILD, [], {
    execArgv: ["--import", "tsx", "--expose-gc", ...execArgv],
    env: { ...process.env, CLAWDBOT_TEST_GATEWAY: JSON.stringify(opts) },
    stdio: ["ignore", "ignore", "pipe", "ipc"],
  });
  let err = "";
  child.stderr?.on("data", (d: Buffer) => (err = (err + d.toString()).slice(-8000)));
  const exited = new Promise<number | string>((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal ?? -1)));
  const ask = <T>(cmd: string, type: string, extra: Record<string, unknown> = {}): Promise<T> =>
    new Promise((resolve, reject) => {
      const onMsg = (m: { type?: string }) => {
        if (m.type !== type) return;
        child.off("message", onMsg);
        resolve(m as T);
      };
      child.on("message", onMsg);
      void exited.then((code) => reject(new Error(`gateway child exited (${code}) before answering ${cmd}: ${err}`)));
      child.send({ cmd, ...extra });
    });
  const ready = await new Promise<{ port: number; pid: number }>((resolve, reject) => {
    child.once("message", (m: { type?: string; port: number; pid: number }) => (m.type === "ready" ? resolve(m) : reject(new Error(JSON.stringify(m)))));
    void exited.then((code) => reject(new Error(`gateway child exited (${code}) before listening: ${err}`)));
  });
  return {
    port: ready.port,
    pid: ready.pid,
    url: `ws://127.0.0.1:${ready.port}`,
    exited,
    stderr: () => err,
    stats: () => ask<GatewayStats>("stats", "stats"),
    gc: () => ask<unknown>("gc", "gc").then(() => undefined),
    heapSnapshot: (path) => ask<unknown>("heap", "heap", { path }).then(() => undefined),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.send({ cmd: "stop" });
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

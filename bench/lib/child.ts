import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import type { Message } from "./ipc.js";

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface ChildSpec {
  /** Path relative to bench/, e.g. "servers/gateway.ts". */
  script: string;
  /** One JSON argument handed to the script as argv[2]. */
  config?: unknown;
  /** Extra node flags (e.g. --expose-gc, --cpu-prof). */
  nodeArgs?: string[];
  /** Raise the soft open-file limit to this (through `sh -c ulimit -n … && exec node`); never above the hard limit. */
  fdLimit?: number;
  label: string;
}

interface Waiter {
  type: string;
  resolve: (m: Message) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * A bench process started as `node --import tsx bench/<script>`. It talks in JSON lines:
 * messages on its stdout, commands on its stdin. Closing stdin tells it to stop.
 */
export class Child {
  /** Every child still running, so a deadline can stop them all (each by its own pid). */
  static readonly running = new Set<Child>();
  readonly pid: number;
  readonly exited: Promise<number | null>;
  private readonly inbox: Message[] = [];
  private readonly waiters: Waiter[] = [];
  private exitCode: number | null | undefined;

  private constructor(private readonly proc: ChildProcess, readonly label: string) {
    if (proc.pid === undefined) throw new Error(`${label}: could not start`);
    this.pid = proc.pid;
    this.exited = new Promise((resolve) => proc.once("exit", (code) => resolve(code)));
    Child.running.add(this);
    void this.exited.then((code) => this.onExit(code));
    const lines = createInterface({ input: proc.stdout! });
    lines.on("line", (line) => this.onLine(line));
    proc.stdin!.on("error", () => undefined);
  }

  static start(spec: ChildSpec): Child {
    const node = [...(spec.nodeArgs ?? []), "--import", "tsx", join("bench", spec.script)];
    if (spec.config !== undefined) node.push(JSON.stringify(spec.config));
    const stdio: ["pipe", "pipe", "inherit"] = ["pipe", "pipe", "inherit"];
    const proc =
      spec.fdLimit === undefined
        ? spawn(process.execPath, node, { cwd: REPO_ROOT, stdio })
        : spawn("sh", ["-c", `ulimit -Sn ${spec.fdLimit} && exec "$0" "$@"`, process.execPath, ...node], { cwd: REPO_ROOT, stdio });
    return new Child(proc, spec.label);
  }

  /** The next message of `type` (already received or arriving within `ms`). */
  next<T extends Message = Message>(type: string, ms: number): Promise<T> {
    const i = this.inbox.findIndex((m) => m.type === type);
    if (i >= 0) return Promise.resolve(this.inbox.splice(i, 1)[0] as T);
    if (this.exitCode !== undefined) return Promise.reject(new Error(`${this.label} exited (${this.exitCode}) before "${type}"`));
    return new Promise<T>((resolve, reject) => {
      const w: Waiter = {
        type,
        resolve: (m) => resolve(m as T),
        reject,
        timer: setTimeout(() => {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          reject(new Error(`${this.label}: no "${type}" within ${ms} ms`));
        }, ms),
      };
      this.waiters.push(w);
    });
  }

  send(command: Message): void {
    if (this.proc.stdin?.writable) this.proc.stdin.write(JSON.stringify(command) + "\n");
  }

  /** Asks the child to finish (stdin closed); SIGKILL to this pid only if it has not exited within `ms`. */
  async stop(ms = 5000): Promise<number | null> {
    this.proc.stdin?.end();
    const timer = setTimeout(() => this.proc.kill("SIGKILL"), ms);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }

  private onLine(line: string): void {
    let msg: Message;
    try {
      msg = JSON.parse(line) as Message;
    } catch {
      process.stderr.write(`[${this.label}] ${line}\n`);
      return;
    }
    if (typeof msg !== "object" || msg === null || typeof msg.type !== "string") return;
    if (msg.type === "error") process.stderr.write(`[${this.label}] error: ${String(msg["message"])}\n`);
    const w = this.waiters.find((x) => x.type === msg.type);
    if (!w) {
      this.inbox.push(msg);
      return;
    }
    this.waiters.splice(this.waiters.indexOf(w), 1);
    clearTimeout(w.timer);
    w.resolve(msg);
  }

  /** Stops every child still running. */
  static async stopAll(ms = 3000): Promise<void> {
    await Promise.all([...Child.running].map((c) => c.stop(ms)));
  }

  private onExit(code: number | null): void {
    Child.running.delete(this);
    this.exitCode = code;
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(new Error(`${this.label} exited (${code}) before "${w.type}"`));
    }
  }
}

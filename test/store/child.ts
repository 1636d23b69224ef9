import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The helper script the durability tests run in separate processes. */
export const STORE_CHILD = fileURLToPath(new URL("./store-child.mjs", import.meta.url));
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** A `store-child.ts` process whose stdout is collected line by line. */
export class StoreChild {
  readonly lines: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private stderrText = "";
  private waiters: (() => void)[] = [];

  private constructor(readonly proc: ChildProcess) {
    let partial = "";
    proc.stdout!.setEncoding("utf8").on("data", (d: string) => {
      const parts = (partial + d).split("\n");
      partial = parts.pop() ?? "";
      this.lines.push(...parts);
      for (const w of this.waiters.splice(0)) w();
    });
    proc.stderr!.setEncoding("utf8").on("data", (d: string) => (this.stderrText += d));
    this.exited = new Promise((resolve) =>
      proc.once("close", (code, signal) => {
        for (const w of this.waiters.splice(0)) w();
        resolve({ code, signal });
      }),
    );
  }

  /** Starts `node store-child.mjs <args>`; it loads, prints WARM and waits for `go()`. */
  static spawn(args: string[]): StoreChild {
    const proc = spawn(process.execPath, [STORE_CHILD, ...args], {
      cwd: ROOT,
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, FORCE_COLOR: "0" },
    });
    return new StoreChild(proc);
  }

  get stderr(): string {
    return this.stderrText;
  }

  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Device ids reported as durably approved so far. */
  acks(): string[] {
    return this.lines.filter((l) => l.startsWith("ACK ")).map((l) => l.slice(4));
  }

  go(): void {
    this.proc.stdin!.write("GO\n");
  }

  /** Resolves once `pred(lines)` holds; rejects when the child exits first or after `ms`. */
  async until(pred: (lines: readonly string[]) => boolean, what: string, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (!pred(this.lines)) {
      if (!this.running) throw new Error(`child exited before ${what}\nstdout:\n${this.lines.join("\n")}\nstderr:\n${this.stderr}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`child did not report ${what} within ${ms} ms\nstdout:\n${this.lines.join("\n")}\nstderr:\n${this.stderr}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => (clearTimeout(t), resolve()));
      });
    }
  }

  /** SIGKILLs the child (if still running) and waits for it to be gone. */
  async kill(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.running) this.proc.kill("SIGKILL");
    return this.exited;
  }
}

// A test "shell": starts a companion process, writes shell messages to its stdin and reads its
// stdout, validating every line against the companion protocol's schema.
import assert from "node:assert/strict";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import type { TestContext } from "node:test";
import { check, formatIssues } from "@clawdbot/protocol";
import { CompanionMessageSchema, type CompanionMessage, type MenuModel, type ShellMessage } from "@clawdbot/protocol/companion";

export type Msg<T extends CompanionMessage["type"]> = Extract<CompanionMessage, { type: T }>;

export class TestShell {
  /** Every line the companion wrote, parsed; a line that breaks the schema fails the test at once. */
  readonly messages: CompanionMessage[] = [];
  private stderr = "";
  private waiters: Array<() => void> = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    let buf = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      buf += d;
      for (let i = buf.indexOf("\n"); i !== -1; i = buf.indexOf("\n")) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        this.accept(line);
      }
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      this.stderr += d;
      if (process.env["TEST_LOG"]) process.stderr.write(d);
    });
    this.exited = new Promise((resolve) => child.once("close", (code, signal) => resolve({ code, signal })));
  }

  /** Spawns `node <args>` with `env` in `cwd`; killed when the test ends. */
  static start(t: TestContext, args: string[], env: NodeJS.ProcessEnv, cwd: string): TestShell {
    const child = spawn(process.execPath, args, { env, cwd, stdio: ["pipe", "pipe", "pipe"] });
    const shell = new TestShell(child);
    t.after(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await shell.exited;
    });
    return shell;
  }

  private accept(line: string): void {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      assert.fail(`companion wrote a line that is not JSON: ${line}`);
    }
    const res = check(CompanionMessageSchema, value);
    assert.ok(res.ok, `companion wrote a line that is not a companion message: ${res.ok ? "" : formatIssues(res.issues)}: ${line}`);
    this.messages.push(res.value);
    for (const w of this.waiters.splice(0)) w();
  }

  send(m: ShellMessage): void {
    this.child.stdin.write(`${JSON.stringify(m)}\n`);
  }

  /** A raw line, as a broken shell might send it. */
  sendLine(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  /** Closes the companion's stdin, as a shell that quits does. */
  closeInput(): void {
    this.child.stdin.end();
  }

  /** Where the next `expect` starts looking. */
  mark(): number {
    return this.messages.length;
  }

  /** The first message at or after `from` that matches; waits for it (a deadline for hangs, no timing assert). */
  async expect<T extends CompanionMessage["type"]>(type: T, pred: (m: Msg<T>) => boolean, what: string, from = 0, ms = 90_000): Promise<Msg<T>> {
    const deadline = Date.now() + ms;
    for (;;) {
      const hit = this.messages.slice(from).find((m): m is Msg<T> => m.type === type && pred(m as Msg<T>));
      if (hit) return hit;
      const left = deadline - Date.now();
      if (left <= 0) assert.fail(`${what}: no such ${type} message within ${ms} ms.\nlast messages: ${JSON.stringify(this.messages.slice(-4)).slice(0, 4000)}\nstderr: ${this.stderr.slice(-2000)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 1000));
        this.waiters.push(() => (clearTimeout(timer), resolve()));
      });
    }
  }

  /** The first menu at or after `from` for which `pred` holds. */
  async menu(pred: (m: MenuModel) => boolean, what: string, from = 0): Promise<MenuModel> {
    return (await this.expect("menu", (m) => pred(m.menu), what, from)).menu;
  }

  of<T extends CompanionMessage["type"]>(type: T, from = 0): Msg<T>[] {
    return this.messages.slice(from).filter((m): m is Msg<T> => m.type === type);
  }

  get log(): string {
    return this.stderr;
  }
}

/** Every item id of a menu, children included. */
export function itemIds(menu: MenuModel): string[] {
  return menu.sections.flatMap((s) => s.items.flatMap((i) => [i.id, ...(i.children ?? []).map((c) => c.id)]));
}

/** The item (or child) with this id. */
export function item(menu: MenuModel, id: string): { id: string; title: string; enabled: boolean; detail?: string; checked?: boolean } | undefined {
  for (const s of menu.sections) {
    for (const i of s.items) {
      if (i.id === id) return i;
      const c = i.children?.find((x) => x.id === id);
      if (c) return c;
    }
  }
  return undefined;
}

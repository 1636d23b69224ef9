import { spawn as nodeSpawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import type { Logger } from "pino";
import type { Static } from "@sinclair/typebox";
import type { ProgramStatusSchema } from "@clawdbot/protocol";
import { Backoff } from "@clawdbot/protocol/client";
import { killGroup, signalGroup, type PidFile } from "./pid-file.js";
import type { ProcessTable } from "./process-table.js";

/** The program to run. */
export interface ProgramSpec {
  /** How the program is named in logs and status ("signal-cli"). */
  name: string;
  command: string;
  args: readonly string[];
  env?: NodeJS.ProcessEnv;
  /** "pipe": stdin/stdout stay open for the caller (a stdio protocol); "log": stdout goes to the log. */
  stdio: "pipe" | "log";
}

/** How one run of the program ended (the last stderr line is often the reason). */
export type ExitInfo = NonNullable<SupervisorStatus["lastExit"]>;

export interface SupervisorHooks {
  /** Right after spawning, before readiness (wire up a stdio protocol here). */
  attach?: (child: ChildProcess) => void;
  /** Resolves once the program serves; it is killed if this rejects or exceeds the timeout. */
  ready: (child: ChildProcess, signal: AbortSignal) => Promise<void>;
  /** After each successful start, the first and every restart. */
  onReady?: (child: ChildProcess) => void | Promise<void>;
  /** The program died while it was meant to run (a restart follows). */
  onExit?: (exit: ExitInfo) => void;
}

export interface SupervisorOptions {
  program: ProgramSpec;
  hooks: SupervisorHooks;
  pidFile: PidFile;
  table: ProcessTable;
  log: Logger;
  readyTimeoutMs: number;
  restartBackoff?: { initialMs: number; maxMs: number };
  /** Up this long counts as healthy: the restart backoff starts over. */
  stableAfterMs?: number;
  /** Between SIGTERM and SIGKILL on stop. */
  stopGraceMs?: number;
  now?: () => number;
  spawn?: typeof nodeSpawn;
}

export type SupervisorState = SupervisorStatus["state"];

/** The supervised program's state for `channels.status`. */
export type SupervisorStatus = Static<typeof ProgramStatusSchema>;

/** The program could not be started or did not become ready. */
export class ProgramStartError extends Error {
  constructor(
    message: string,
    readonly lastStderr: string | null,
  ) {
    super(message);
    this.name = "ProgramStartError";
  }
}

const MAX_LOG_LINE = 2000;

/**
 * Keeps one external program running: spawned in its own process group (so stopping it ends its
 * children too), stderr lines logged with the last one kept, readiness awaited with a deadline,
 * restarted with backoff when it dies, stopped with SIGTERM then SIGKILL to the group. Its pid is
 * recorded so a gateway that was SIGKILLed ends the orphan on its next start.
 */
export class Supervisor {
  private stateName: SupervisorState = "stopped";
  private child: ChildProcess | undefined;
  private restarts = 0;
  private startedAt: number | null = null;
  private lastStderr: string | null = null;
  /** The last few stderr lines (a multi-line error's first line is often the telling one). */
  private readonly tail: string[] = [];
  private lastExit: ExitInfo | null = null;
  private lastError: string | null = null;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly backoff: Backoff;
  private readonly now: () => number;
  /** Aborts a readiness wait in progress when stop() comes. */
  private startAbort: AbortController | undefined;
  private readonly killOnExit = () => {
    if (this.child?.pid !== undefined) signalGroup(this.child.pid, "SIGKILL");
  };

  constructor(private readonly opts: SupervisorOptions) {
    this.backoff = new Backoff(opts.restartBackoff?.initialMs ?? 1000, opts.restartBackoff?.maxMs ?? 60_000);
    this.now = opts.now ?? Date.now;
  }

  get state(): SupervisorState {
    return this.stateName;
  }

  /** The running child, if any. */
  get current(): ChildProcess | undefined {
    return this.child;
  }

  status(): SupervisorStatus {
    return {
      name: this.opts.program.name,
      state: this.stateName,
      pid: this.child?.pid ?? null,
      restarts: this.restarts,
      startedAt: this.startedAt,
      lastStderr: this.lastStderr,
      lastExit: this.lastExit,
      lastError: this.lastError,
    };
  }

  /** The program's last stderr lines, oldest first. */
  stderrTail(): string[] {
    return [...this.tail];
  }

  /** Ends a stale copy left by an earlier gateway, starts the program and waits until it is ready. */
  async start(): Promise<void> {
    if (this.stateName !== "stopped") throw new Error(`${this.opts.program.name} is already ${this.stateName}`);
    this.stateName = "starting";
    try {
      await this.opts.pidFile.reapStale(this.opts.stopGraceMs ?? 5000);
      await this.launch();
    } catch (err) {
      if (this.stateName === "starting") this.stateName = "stopped";
      throw err;
    }
  }

  /** Stops restarting and ends the program's whole process group. */
  async stop(): Promise<void> {
    if (this.stateName === "stopped") return;
    this.stateName = "stopping";
    clearTimeout(this.restartTimer);
    this.startAbort?.abort();
    const child = this.child;
    if (child) await this.end(child);
    this.child = undefined;
    await this.opts.pidFile.remove().catch((err: unknown) => this.opts.log.warn({ err }, "could not remove pid file"));
    this.stateName = "stopped";
  }

  /** One spawn and readiness wait; on failure the child is ended and the error thrown. */
  private async launch(): Promise<void> {
    const { child, died } = this.spawnChild();
    const abort = new AbortController();
    this.startAbort = abort;
    try {
      if (child.pid !== undefined) await this.recordPid(child.pid);
      await this.waitReady(child, died, abort.signal);
    } catch (err) {
      await this.end(child);
      if (this.child === child) this.child = undefined;
      await this.opts.pidFile.remove().catch(() => undefined);
      const message = err instanceof ProgramStartError ? err.message : `${this.opts.program.name} did not start: ${(err as Error)?.message ?? err}`;
      this.lastError = message;
      throw err instanceof ProgramStartError ? err : new ProgramStartError(message, this.lastStderr);
    } finally {
      this.startAbort = undefined;
    }
    if (this.stateName === "stopping" || this.stateName === "stopped") return;
    this.stateName = "running";
    this.lastError = null;
    await this.opts.hooks.onReady?.(child);
  }

  /** Spawns the program; `died` settles with the reason it could not run or ended, whenever that happens. */
  private spawnChild(): { child: ChildProcess; died: Promise<ProgramStartError> } {
    const { program } = this.opts;
    const spawn = this.opts.spawn ?? nodeSpawn;
    const child = spawn(program.command, [...program.args], {
      detached: true,
      env: program.env ?? process.env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.child = child;
    this.startedAt = this.now();
    const died = new Promise<ProgramStartError>((resolve) => {
      child.once("error", (err) => {
        this.lastError = `${program.name}: ${describeSpawnError(err, program.command)}`;
        this.opts.log.error({ program: program.name, err: this.lastError }, "program failed");
        resolve(new ProgramStartError(this.lastError, this.lastStderr));
      });
      child.once("exit", (code, signal) => {
        // The last stderr lines usually say why; let them arrive first.
        setImmediate(() => resolve(new ProgramStartError(`${program.name} exited before it was ready (${signal ?? `code ${code}`})${this.stderrHint()}`, this.lastStderr)));
        this.onExit(child, code, signal);
      });
    });
    if (child.pid !== undefined) process.once("exit", this.killOnExit);
    this.pipeLines(child);
    if (program.stdio === "log") child.stdin?.end();
    this.opts.hooks.attach?.(child);
    return { child, died };
  }

  private async recordPid(pid: number): Promise<void> {
    try {
      const info = await this.opts.table.info(pid);
      await this.opts.pidFile.write({
        pid,
        pgid: pid,
        command: this.opts.program.command,
        args: [...this.opts.program.args],
        ...(info ? { startTime: info.startTime } : {}),
        startedAt: this.now(),
      });
    } catch (err) {
      this.opts.log.error({ err, program: this.opts.program.name }, "could not write the pid file; a crash would leave the program running");
    }
  }

  private pipeLines(child: ChildProcess): void {
    const { name } = this.opts.program;
    if (child.stderr) {
      // readline re-emits its input's errors; a broken pipe from a dying child is no reason to crash.
      const stderr = createInterface({ input: child.stderr, crlfDelay: Infinity });
      stderr.on("error", (err) => this.opts.log.debug({ program: name, err: err.message }, "stderr of the program failed"));
      stderr.on("line", (raw) => {
        const line = raw.trim().slice(0, MAX_LOG_LINE);
        if (!line) return;
        this.lastStderr = line;
        this.tail.push(line);
        if (this.tail.length > 20) this.tail.shift();
        this.opts.log.info({ program: name, pid: child.pid, stream: "stderr" }, line);
      });
    }
    if (this.opts.program.stdio === "log" && child.stdout) {
      const stdout = createInterface({ input: child.stdout, crlfDelay: Infinity });
      stdout.on("error", (err) => this.opts.log.debug({ program: name, err: err.message }, "stdout of the program failed"));
      stdout.on("line", (raw) => {
        const line = raw.trim().slice(0, MAX_LOG_LINE);
        if (line) this.opts.log.info({ program: name, pid: child.pid, stream: "stdout" }, line);
      });
    }
  }

  /** Readiness, raced against the deadline, against the child dying first and against stop(). */
  private async waitReady(child: ChildProcess, died: Promise<ProgramStartError>, signal: AbortSignal): Promise<void> {
    const { name } = this.opts.program;
    const timeoutMs = this.opts.readyTimeoutMs;
    const probe = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const failures = Promise.race([
      died,
      new Promise<ProgramStartError>((resolve) => {
        timer = setTimeout(() => resolve(new ProgramStartError(`${name} was not ready within ${timeoutMs} ms${this.stderrHint()}`, this.lastStderr)), timeoutMs);
      }),
      new Promise<Error>((resolve) => {
        onAbort = () => resolve(new Error("stopped while starting"));
        signal.addEventListener("abort", onAbort, { once: true });
      }),
    ]).then((err) => Promise.reject(err));
    try {
      await Promise.race([this.opts.hooks.ready(child, probe.signal), failures]);
    } finally {
      clearTimeout(timer);
      if (onAbort) signal.removeEventListener("abort", onAbort);
      probe.abort();
      failures.catch(() => undefined);
    }
  }

  private stderrHint(): string {
    return this.lastStderr ? `: ${this.lastStderr}` : "";
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    process.off("exit", this.killOnExit);
    const exit: ExitInfo = { code, signal, at: this.now(), lastStderr: this.lastStderr };
    this.lastExit = exit;
    if (this.child !== child || this.stateName !== "running") return;
    this.child = undefined;
    this.restarts++;
    this.stateName = "restarting";
    const upMs = this.now() - (this.startedAt ?? this.now());
    if (upMs >= (this.opts.stableAfterMs ?? 30_000)) this.backoff.reset();
    this.opts.log.warn({ program: this.opts.program.name, code, signal, lastStderr: this.lastStderr }, "program exited; restarting it");
    // A child that died leaves its group behind if it had children of its own.
    if (child.pid !== undefined) signalGroup(child.pid, "SIGKILL");
    try {
      this.opts.hooks.onExit?.(exit);
    } catch (err) {
      this.opts.log.error({ err }, "exit hook failed");
    }
    this.scheduleRestart();
  }

  private scheduleRestart(): void {
    const wait = this.backoff.next();
    this.opts.log.info({ program: this.opts.program.name, retryInMs: wait, restarts: this.restarts }, "restart scheduled");
    this.restartTimer = setTimeout(() => {
      if (this.stateName !== "restarting") return;
      this.launch().catch((err: unknown) => {
        if (this.stateName !== "restarting") return;
        this.opts.log.warn({ program: this.opts.program.name, err: (err as Error).message }, "restart failed; trying again");
        this.scheduleRestart();
      });
    }, wait);
    this.restartTimer.unref();
  }

  /** SIGTERM to the group, SIGKILL after the grace period, resolved once the child has exited. */
  private async end(child: ChildProcess): Promise<void> {
    const pid = child.pid;
    if (pid === undefined) return;
    const exited = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => child.once("exit", () => r()));
    await killGroup(pid, this.opts.table, this.opts.stopGraceMs ?? 5000);
    await exited;
    process.off("exit", this.killOnExit);
  }
}

function describeSpawnError(err: Error, command: string): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return `${command} not found (install it or set cliPath)`;
  if (code === "EACCES") return `${command} is not executable`;
  return err.message;
}

import { spawn, type ChildProcess } from "node:child_process";
import { Type } from "@sinclair/typebox";
import { check, formatIssues } from "@clawdbot/protocol";
import { NodeCommandError } from "./errors.js";
import type { ProgramAllowlist } from "./program-allowlist.js";
import { checkCallerEnv } from "./run-env.js";
import type { EnvelopeApproval, NodeExecApprovals } from "./exec-approvals.js";

/**
 * `system.run` params. Other keys (an `approved` flag, a session key, …) are ignored: only the
 * node's own allowlist and exec policy decide what runs, and an approval counts only from the
 * gateway's envelope. The reference clients' `command` array is read as `argv`.
 */
export const SystemRunParamsSchema = Type.Object({
  argv: Type.Array(Type.String(), { minItems: 1, maxItems: 4096 }),
  cwd: Type.Optional(Type.String({ minLength: 1 })),
  timeoutMs: Type.Optional(Type.Integer({ minimum: 1 })),
  env: Type.Optional(Type.Record(Type.String(), Type.String())),
  agentId: Type.Optional(Type.String({ minLength: 1 })),
});

export interface RunResult {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  truncated: { stdout: boolean; stderr: boolean };
  timedOut: boolean;
  durationMs: number;
}

export interface SystemRunOptions {
  allowlist: ProgramAllowlist;
  /** Default and maximum run time. */
  timeoutMs: number;
  /** Cap of stdout and of stderr, each. */
  maxOutputBytes: number;
  /** The environment programs start with (the node's own). */
  baseEnv: Readonly<Record<string, string | undefined>>;
  /** Variable names a caller may set (node.json `systemRun.envAllow`). */
  envAllow: readonly string[];
  /** The node's exec policy, asked before anything starts (absent: the allowlist alone decides). */
  approvals?: NodeExecApprovals;
}

/** Runs allowlisted programs with an argv (never a shell), a time limit and capped output. */
export class SystemRunner {
  private readonly running = new Set<ChildProcess>();

  private readonly envAllow: ReadonlySet<string>;

  constructor(private readonly opts: SystemRunOptions) {
    this.envAllow = new Set(opts.envAllow);
  }

  async run(raw: unknown, approval?: EnvelopeApproval): Promise<RunResult> {
    const res = check(SystemRunParamsSchema, withArgv(raw));
    if (!res.ok) throw new NodeCommandError("INVALID_REQUEST", `system.run needs {argv: string[], cwd?, timeoutMs?, env?}: ${formatIssues(res.issues)}`);
    const { argv, cwd, env } = res.value;
    const program = this.opts.allowlist.resolve(argv[0]!);
    const envCheck = checkCallerEnv(env ?? {}, this.envAllow);
    if (!envCheck.ok) throw new NodeCommandError("FORBIDDEN", `system.run refuses the environment it was given: ${envCheck.refused.join("; ")}`);
    await this.opts.approvals?.admit({ argv, resolvedPath: program, agentId: res.value.agentId }, approval);
    const timeoutMs = Math.min(res.value.timeoutMs ?? this.opts.timeoutMs, this.opts.timeoutMs);
    return this.spawnCapped(program, argv, { ...this.opts.baseEnv, ...env }, cwd, timeoutMs);
  }

  /** Kills every program still running (node host shutting down). */
  killAll(): void {
    for (const child of this.running) killGroup(child);
  }

  private spawnCapped(program: string, argv: string[], env: Record<string, string | undefined>, cwd: string | undefined, timeoutMs: number): Promise<RunResult> {
    const started = performance.now();
    return new Promise((resolve, reject) => {
      // detached: the program leads its own process group, so a timeout kills what it started too.
      const child = spawn(program, argv.slice(1), { argv0: argv[0]!, cwd, env, shell: false, detached: true, stdio: ["ignore", "pipe", "pipe"] });
      this.running.add(child);
      const out = new CappedBuffer(this.opts.maxOutputBytes);
      const err = new CappedBuffer(this.opts.maxOutputBytes);
      child.stdout.on("data", (d: Buffer) => out.push(d));
      child.stderr.on("data", (d: Buffer) => err.push(d));
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        killGroup(child);
      }, timeoutMs);
      child.once("error", (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        this.running.delete(child);
        const where = e.code === "ENOENT" && cwd ? ` (does ${cwd} exist?)` : "";
        reject(new NodeCommandError("UNAVAILABLE", `system.run could not start ${argv[0]}: ${e.message}${where}`));
      });
      child.once("close", (code, signal) => {
        clearTimeout(timer);
        this.running.delete(child);
        resolve({
          exitCode: code,
          signal,
          stdout: out.text(),
          stderr: err.text(),
          truncated: { stdout: out.truncated, stderr: err.truncated },
          timedOut,
          durationMs: Math.round(performance.now() - started),
        });
      });
    });
  }
}

/** Reference clients send the argv as `command`; ours as `argv`. */
function withArgv(raw: unknown): unknown {
  if (raw === null || typeof raw !== "object" || "argv" in raw || !Array.isArray((raw as { command?: unknown }).command)) return raw;
  const { command, ...rest } = raw as { command: unknown };
  return { ...rest, argv: command };
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    child.kill("SIGKILL");
  }
}

/** Keeps the first `cap` bytes of a stream and notes whether more arrived. */
class CappedBuffer {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  truncated = false;

  constructor(private readonly cap: number) {}

  push(d: Buffer): void {
    const room = this.cap - this.size;
    if (d.length > room) this.truncated = true;
    if (room <= 0) return;
    const part = d.length > room ? d.subarray(0, room) : d;
    this.chunks.push(part);
    this.size += part.length;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString("utf8");
  }
}

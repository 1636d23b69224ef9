import { spawn } from "node:child_process";
import { StringDecoder } from "node:string_decoder";
import { AgentBackendError, type AgentBackend, type AgentChunk, type AgentRequest } from "./backend.js";

export interface CommandOptions {
  argv: readonly string[];
  timeoutMs: number;
  /** The setting `timeoutMs` comes from, named when the program is stopped for taking too long. */
  timeoutSetting?: string;
  /** Cap on stdout kept and streamed. */
  maxOutputBytes?: number;
  /** Environment for the program (the gateway's secrets are not passed on). */
  env: Readonly<Record<string, string | undefined>>;
}

/** Runs a configured program: the message on stdin, the reply streamed from stdout; killed on abort/timeout. */
export class CommandBackend implements AgentBackend {
  readonly name = "command";
  constructor(private readonly opts: CommandOptions) {}

  async *run(req: AgentRequest, signal: AbortSignal): AsyncIterable<AgentChunk> {
    const [cmd, ...args] = this.opts.argv;
    if (!cmd) throw new AgentBackendError("agent.command.argv is empty");
    // Its own process group, so abort and timeout reach grandchildren that still hold stdout.
    const child = spawn(cmd, args, {
      detached: true,
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...this.opts.env, CLAWDBOT_SESSION_KEY: req.sessionKey },
    });
    const signalGroup = (sig: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, sig);
      } catch {
        child.kill(sig);
      }
    };
    const kill = () => {
      signalGroup("SIGTERM");
      child.stdout.destroy();
      setTimeout(() => signalGroup("SIGKILL"), 2000).unref();
    };
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, this.opts.timeoutMs);
    signal.addEventListener("abort", kill, { once: true });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000);
    });
    const exited = new Promise<{ code: number | null; sig: NodeJS.Signals | null; err?: Error }>((resolve) => {
      child.once("error", (err) => resolve({ code: null, sig: null, err }));
      child.once("close", (code, sig) => resolve({ code, sig }));
    });
    child.stdin.on("error", () => undefined);
    child.stdin.end(req.message);
    const max = this.opts.maxOutputBytes ?? 1_000_000;
    let total = 0;
    // A UTF-8 character may straddle two reads; the decoder holds the partial bytes back.
    const decoder = new StringDecoder("utf8");
    try {
      for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
        if (total >= max) continue;
        const text = decoder.write(chunk.subarray(0, max - total));
        total += chunk.length;
        if (text) yield { kind: "delta", text };
      }
      const rest = decoder.end();
      if (rest) yield { kind: "delta", text: rest };
      const { code, sig, err } = await exited;
      signal.throwIfAborted();
      if (err) throw new AgentBackendError(`could not run ${cmd}: ${err.message}`);
      if (timedOut) throw new AgentBackendError(`${cmd} did not finish within ${this.opts.timeoutMs} ms (${this.opts.timeoutSetting ?? "its timeout"}) and was stopped`);
      if (sig) throw new AgentBackendError(`${cmd} was killed (${sig})`);
      if (code !== 0) throw new AgentBackendError(`${cmd} exited with ${code}${stderr ? `: ${stderr.trim()}` : ""}`);
    } finally {
      clearTimeout(timer);
      signal.removeEventListener("abort", kill);
      if (child.exitCode === null && child.signalCode === null) kill();
    }
  }
}

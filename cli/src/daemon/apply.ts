import { mkdir, rm } from "node:fs/promises";
import { writeFileAtomic } from "@clawdbot/sidecar/store";
import { CommandFailedError, DaemonError } from "./errors.js";
import type { Plan, Step } from "./plan.js";
import type { CommandRunner } from "./runner.js";

/** What applying a plan produced: the output of its "show" commands and their exit codes. */
export interface Applied {
  output: string;
  exitCodes: Array<number | null>;
}

/** Performs the plan's steps in order; stops at the first failure that is not allowed to fail. */
export async function applyPlan(plan: Plan, runner: CommandRunner): Promise<Applied> {
  if (plan.refusal !== undefined) throw new DaemonError("not-installed", plan.refusal);
  const applied: Applied = { output: "", exitCodes: [] };
  for (const step of plan.steps) await applyStep(step, runner, applied);
  return applied;
}

async function applyStep(step: Step, runner: CommandRunner, applied: Applied): Promise<void> {
  switch (step.kind) {
    case "mkdir":
      await mkdir(step.path, { recursive: true, mode: step.mode });
      return;
    case "write":
      await writeFileAtomic(step.path, step.content, step.mode);
      return;
    case "remove":
      await rm(step.path, { force: true });
      return;
    case "run": {
      if (step.output === "stream") {
        const code = await runner.attach(step.argv);
        applied.exitCodes.push(code);
        if (code !== 0 && code !== null && !step.allowFailure) throw new CommandFailedError(step.argv, code, "");
        return;
      }
      const res = await runner.capture(step.argv);
      applied.exitCodes.push(res.code);
      if (res.code !== 0 && !step.allowFailure) throw new CommandFailedError(step.argv, res.code, res.stderr || res.stdout);
      if (step.output === "show") applied.output += res.stdout + res.stderr;
    }
  }
}

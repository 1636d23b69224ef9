import { applyPlan } from "./apply.js";
import { servicePaths, type DaemonHost, type Platform } from "./host.js";
import { launchdPlan } from "./launchd.js";
import { probe, type Action, type InstallOptions, type LogOptions, type Plan, type PlanContext } from "./plan.js";
import type { CommandRunner } from "./runner.js";
import { serviceState, type ServiceState } from "./service-state.js";
import { systemdPlan } from "./systemd.js";

/** A file the action writes; `content` is null for the token file, whose content is never shown. */
export interface DaemonFile {
  path: string;
  /** Octal, e.g. "0600". */
  mode: string;
  content: string | null;
  secret: boolean;
}

/** The `--json` result of every `clawdbot daemon` subcommand. */
export interface DaemonResult {
  platform: Platform;
  action: Action;
  dryRun: boolean;
  /** Directories created when missing. */
  dirs: string[];
  files: DaemonFile[];
  removes: string[];
  /** Every command run (or, with --dry-run, that would run), in order. */
  commands: string[][];
  notes: string[];
  /** status (not with --dry-run). */
  service?: ServiceState;
  /** What `status` / `logs` printed. */
  output?: string;
}

export interface DaemonRequest {
  action: Action;
  host: DaemonHost;
  dryRun: boolean;
  runner: CommandRunner;
  install?: InstallOptions;
  logs?: LogOptions;
}

/** The result, and the plan it came from (the human dry-run output prints its steps in order). */
export interface DaemonOutcome {
  result: DaemonResult;
  plan: Plan;
}

/** Plans the action from what is on disk, then either describes it (dry run) or performs it. */
export async function runDaemonAction(req: DaemonRequest): Promise<DaemonOutcome> {
  const plan = planAction(req);
  return { plan, result: await resultOf(plan, req) };
}

/** The plan for a request, from the facts on disk now. */
export function planAction(req: Pick<DaemonRequest, "action" | "host" | "install" | "logs">): Plan {
  const paths = servicePaths(req.host);
  const facts = probe(req.host, paths);
  const ctx: PlanContext = { host: req.host, paths, facts, install: req.install ?? {}, logs: req.logs ?? { lines: 200, follow: false } };
  return planFor(req.action, ctx);
}

async function resultOf(plan: Plan, req: DaemonRequest): Promise<DaemonResult> {
  const result = describePlan(plan, req.dryRun);
  if (req.dryRun) return plan.refusal === undefined ? result : { ...result, notes: [plan.refusal, ...result.notes] };
  const applied = await applyPlan(plan, req.runner);
  if (req.action === "status") {
    const installed = probe(req.host, servicePaths(req.host)).installed;
    return { ...result, service: serviceState(req.host.platform, installed, applied.exitCodes[0] ?? null, applied.output), output: applied.output };
  }
  return req.action === "logs" && !req.logs?.follow ? { ...result, output: applied.output } : result;
}

export function planFor(action: Action, ctx: PlanContext): Plan {
  return ctx.host.platform === "darwin" ? launchdPlan(action, ctx) : systemdPlan(action, ctx);
}

/** The plan as data: what would be (or was) created, written, removed and run. */
export function describePlan(plan: Plan, dryRun: boolean): DaemonResult {
  const result: DaemonResult = { platform: plan.platform, action: plan.action, dryRun, dirs: [], files: [], removes: [], commands: [], notes: [...plan.notes] };
  for (const step of plan.steps) {
    if (step.kind === "mkdir") result.dirs.push(step.path);
    if (step.kind === "remove") result.removes.push(step.path);
    if (step.kind === "run") result.commands.push([...step.argv]);
    if (step.kind === "write") {
      result.files.push({ path: step.path, mode: `0${step.mode.toString(8)}`, content: step.secret ? null : step.content, secret: step.secret });
    }
  }
  return result;
}

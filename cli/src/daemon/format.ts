import type { DaemonResult } from "./actions.js";
import type { Plan, Step } from "./plan.js";
import { shellLine } from "./shell-line.js";

/** Human form of `--dry-run`: every step in order, file contents verbatim (never the token). */
export function formatDryRun(plan: Plan): string {
  const lines = plan.refusal === undefined ? [] : [`note: ${plan.refusal}`];
  for (const step of plan.steps) lines.push(dryRunStep(step));
  for (const note of plan.notes) lines.push(`note: ${note}`);
  if (plan.steps.length === 0) lines.unshift("nothing to do");
  return lines.join("\n");
}

function dryRunStep(step: Step): string {
  switch (step.kind) {
    case "mkdir":
      return `would create directory ${step.path} (mode ${octal(step.mode)}) if missing`;
    case "write":
      if (step.secret) return `would write ${step.path} (mode ${octal(step.mode)}): the gateway token (not shown)`;
      return `would write ${step.path} (mode ${octal(step.mode)}):\n${step.content.replace(/\n$/, "")}\n--- end of ${step.path}`;
    case "remove":
      return `would remove ${step.path}`;
    case "run":
      return `would run${step.allowFailure ? " (a failure is fine)" : ""}: ${shellLine(step.argv)}`;
  }
}

const DONE: Record<DaemonResult["action"], string> = {
  install: "installed and started the gateway service",
  uninstall: "stopped and removed the gateway service",
  start: "started the gateway service",
  stop: "stopped the gateway service",
  restart: "restarted the gateway service (connected clients were told to expect it back)",
  status: "",
  logs: "",
};

/** Human form after the action ran. status and logs print the supervisor's own output. */
export function formatApplied(r: DaemonResult): string {
  if (r.action === "logs") return (r.output ?? "").replace(/\n$/, "");
  if (r.action === "status") {
    const s = r.service;
    const summary = s === undefined ? "" : `gateway service: ${s.installed ? "installed" : "not installed"}, ${s.running ? `running${s.pid === undefined ? "" : ` (pid ${s.pid})`}` : s.state}`;
    return [summary, (r.output ?? "").replace(/\n$/, "")].filter(Boolean).join("\n");
  }
  const lines = [DONE[r.action], ...r.files.map((f) => `wrote ${f.path} (mode ${f.mode})`), ...r.removes.map((p) => `removed ${p}`)];
  return [...lines, ...r.notes.map((n) => `note: ${n}`)].join("\n");
}

function octal(mode: number): string {
  return `0${mode.toString(8)}`;
}

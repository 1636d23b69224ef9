// The service supervision behind `clawdbot daemon …`: plans from facts, applied through an injectable runner.
export { runDaemonAction, planAction, describePlan, type DaemonFile, type DaemonOutcome, type DaemonRequest, type DaemonResult } from "./actions.js";
export { applyPlan, type Applied } from "./apply.js";
export { CommandFailedError, DaemonError } from "./errors.js";
export { formatApplied, formatDryRun } from "./format.js";
export { currentHost, servicePaths, supportedPlatform, PLATFORMS, LAUNCHD_LABEL, SYSTEMD_UNIT, RUN_JS, TEMPLATES_DIR, type DaemonHost, type Platform, type ServicePaths } from "./host.js";
export { renderPlist } from "./launchd.js";
export { renderUnit } from "./systemd.js";
export type { Action, Facts, InstallOptions, LogOptions, Plan, PlanContext, ServiceSpec, Step } from "./plan.js";
export { execRunner, type CommandOutcome, type CommandRunner } from "./runner.js";
export { serviceState, type ServiceState } from "./service-state.js";
export { shellLine } from "./shell-line.js";

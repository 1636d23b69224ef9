import type { ServiceSummary } from "@clawdbot/protocol/companion";
import { runDaemonAction, type DaemonHost } from "../daemon/index.js";
import type { CommandRunner } from "../daemon/runner.js";

export type ServiceAction = "start" | "stop" | "restart" | "install";

/** Where the companion manages the gateway service: the daemon module's host and runner. */
export interface ServiceControl {
  /** undefined where the daemon module manages no service (neither macOS nor Linux). */
  host: DaemonHost | undefined;
  runner: CommandRunner;
}

/** The service as `clawdbot daemon status` sees it; a failure to ask is a state, not an error. */
export async function serviceSummary(c: ServiceControl): Promise<ServiceSummary> {
  if (!c.host) return { installed: false, loaded: false, running: false, state: "no service manager on this platform" };
  const supervisor = c.host.platform === "darwin" ? "launchd" : "systemd";
  try {
    const { result } = await runDaemonAction({ action: "status", host: c.host, dryRun: false, runner: c.runner });
    const s = result.service;
    if (!s) return { supervisor, installed: false, loaded: false, running: false, state: "unknown" };
    return { supervisor, installed: s.installed, loaded: s.loaded, running: s.running, state: s.state, ...(s.pid !== undefined ? { pid: s.pid } : {}) };
  } catch (err) {
    return { supervisor, installed: false, loaded: false, running: false, state: `cannot ask ${supervisor}: ${(err as Error).message}` };
  }
}

/** Runs start / stop / restart / install through the daemon module; throws its one-line DaemonError. Returns what to tell the user. */
export async function runServiceAction(c: ServiceControl, action: ServiceAction): Promise<string> {
  if (!c.host) throw new Error("this platform has no service manager the companion can drive");
  await runDaemonAction({ action, host: c.host, dryRun: false, runner: c.runner });
  return DONE[action];
}

const DONE: Record<ServiceAction, string> = {
  start: "Gateway service started",
  stop: "Gateway service stopped",
  restart: "Gateway service restarted",
  install: "Gateway service installed; it starts at login",
};

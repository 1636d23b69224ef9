import type { Platform } from "./host.js";

/** The gist of `launchctl print` / `systemctl --user status`, for `status --json` and the summary line. */
export interface ServiceState {
  /** The service file exists. */
  installed: boolean;
  /** launchd has the agent bootstrapped / systemd knows the unit. */
  loaded: boolean;
  running: boolean;
  /** launchd's `state` or systemd's `Active:` value, e.g. "running", "active (running)", "failed (Result: exit-code)". */
  state: string;
  pid?: number;
}

/** Reads the supervisor's own words; the exit code decides what the text cannot (launchd 113, systemd 3/4). */
export function serviceState(platform: Platform, installed: boolean, code: number | null, output: string): ServiceState {
  return platform === "darwin" ? launchdState(installed, code, output) : systemdState(installed, code, output);
}

function launchdState(installed: boolean, code: number | null, output: string): ServiceState {
  // The agent's own fields are indented by one tab; nested blocks (endpoints, event triggers) by more.
  const state = /^\tstate = (.+)$/m.exec(output)?.[1]?.trim();
  const pid = /^\tpid = (\d+)$/m.exec(output)?.[1];
  const loaded = code === 0;
  return withPid({ installed, loaded, running: loaded && state === "running", state: loaded ? (state ?? "unknown") : "not loaded" }, pid);
}

function systemdState(installed: boolean, code: number | null, output: string): ServiceState {
  const active = /^\s*Active: (.+?)(?: since .*)?$/m.exec(output)?.[1]?.trim();
  const pid = /^\s*Main PID: (\d+)/m.exec(output)?.[1];
  const loaded = code !== 4 && /^\s*Loaded: loaded\b/m.test(output);
  const running = code === 0 && active?.startsWith("active (running)") === true;
  // No "Loaded:" line and not exit 4: systemctl could not ask (no user bus); say so rather than guess.
  const state = loaded ? (active ?? "unknown") : code === 4 || /^\s*Loaded: /m.test(output) ? "not loaded" : "unknown";
  return withPid({ installed, loaded, running, state }, running ? pid : undefined);
}

function withPid(state: ServiceState, pid: string | undefined): ServiceState {
  return pid === undefined ? state : { ...state, pid: Number(pid) };
}

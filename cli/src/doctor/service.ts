import { readFileSync } from "node:fs";
import { currentHost, runDaemonAction, servicePaths, PLATFORMS, RUN_JS, type CommandRunner, type DaemonHost, type Platform, type ServiceState } from "../daemon/index.js";
import { systemdExecutable, systemdWord, xmlText } from "../daemon/quoting.js";
import type { Finding } from "./checks.js";

/**
 * The service file (installed, pointing at this Node, this checkout and this state dir) and what
 * launchd / systemd say of it (loaded, running), asked the way `clawdbot daemon status` asks.
 */
export async function checkService(env: Readonly<Record<string, string | undefined>>, runner: CommandRunner, platform: string = process.platform): Promise<Finding[]> {
  const p = PLATFORMS.find((x) => x === platform);
  if (!p) return [{ check: "service", status: "ok", message: `no service manager support on ${platform}` }];
  const host = currentHost(env, p);
  const file = p === "darwin" ? servicePaths(host).plist : servicePaths(host).unit;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return [{ check: "service", status: "warn", message: `not installed as a service (${file} is absent)`, fix: "clawdbot daemon install" }];
  }
  const stale = expectedWords(p, host).filter((w) => !text.includes(w.text));
  const fileFinding: Finding =
    stale.length > 0
      ? {
          check: "service",
          status: "fail",
          message: `${file} does not run ${stale.map((w) => `${w.what} ${w.value}`).join(", nor ")} (installed from another Node, checkout or state dir)`,
          fix: "clawdbot daemon install (rewrites the file for this Node and checkout and restarts the service)",
        }
      : { check: "service", status: "ok", message: `${file} runs ${host.nodePath} ${RUN_JS} on ${host.stateDir}` };
  return [fileFinding, await stateFinding(p, host, runner)];
}

/** The words the service file holds when installed by this Node from this checkout for this state dir, escaped as written. */
function expectedWords(platform: Platform, host: DaemonHost): { what: string; value: string; text: string }[] {
  const words = [
    { what: "Node", value: host.nodePath },
    { what: "the CLI", value: RUN_JS },
    { what: "the state dir", value: host.stateDir },
  ];
  return words.map((w) => {
    if (platform === "darwin") return { ...w, text: `<string>${xmlText(w.value, w.what)}</string>` };
    if (w.what === "Node") return { ...w, text: systemdExecutable(w.value, w.what) };
    if (w.what === "the state dir") return { ...w, text: systemdWord(`CLAWDBOT_STATE_DIR=${w.value}`, w.what, { dollars: false }) };
    return { ...w, text: systemdWord(w.value, w.what, { dollars: true }) };
  });
}

async function stateFinding(platform: Platform, host: DaemonHost, runner: CommandRunner): Promise<Finding> {
  const manager = platform === "darwin" ? "launchd" : "systemd";
  let state: ServiceState | undefined;
  let output = "";
  try {
    const { result } = await runDaemonAction({ action: "status", host, dryRun: false, runner });
    state = result.service;
    output = result.output ?? "";
  } catch (err) {
    return { check: "service state", status: "warn", message: `could not ask ${manager}: ${(err as Error).message}`, fix: "clawdbot daemon status" };
  }
  if (!state || state.state === "unknown") {
    const said = output.trim().split("\n")[0] ?? "";
    return {
      check: "service state",
      status: "warn",
      message: `${manager} could not say whether the service is loaded${said ? ` (${said})` : ""}`,
      fix: platform === "linux" ? `run it from a login session with a user bus; for a headless machine: loginctl enable-linger ${host.user}` : "clawdbot daemon status",
    };
  }
  if (!state.loaded) return { check: "service state", status: "warn", message: `installed but not loaded by ${manager}`, fix: "clawdbot daemon install (loads and starts it)" };
  if (!state.running) return { check: "service state", status: "warn", message: `loaded but not running (${state.state})`, fix: "clawdbot daemon start; if it stops again, clawdbot daemon logs says why" };
  return { check: "service state", status: "ok", message: `loaded and running${state.pid !== undefined ? ` (pid ${state.pid})` : ""} (${state.state})` };
}

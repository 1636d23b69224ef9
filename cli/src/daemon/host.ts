import { delimiter, dirname, join } from "node:path";
import { homedir, userInfo } from "node:os";
import { fileURLToPath } from "node:url";
import { resolveStatePaths } from "@clawdbot/sidecar/config";
import { DaemonError } from "./errors.js";

export type Platform = "darwin" | "linux";
export const PLATFORMS: readonly Platform[] = ["darwin", "linux"];

/**
 * Everything about the machine the daemon commands depend on, gathered once so tests can hand in
 * a temp HOME, a fake uid and another platform without touching the real system.
 */
export interface DaemonHost {
  platform: Platform;
  home: string;
  uid: number;
  user: string;
  /** Absolute; the gateway's `CLAWDBOT_STATE_DIR`. */
  stateDir: string;
  /** Absolute path of the Node.js binary the service runs. */
  nodePath: string;
  /** Absolute path of `cli/bin/run.js`. */
  runJs: string;
  /** Folder holding the `*.template` files. */
  templatesDir: string;
  /** `PATH` for the service (launchd's default is only /usr/bin:/bin:/usr/sbin:/sbin). */
  pathEnv: string;
  now: () => number;
}

/** Label and unit name: one per user, like the gateway's instance lock. */
export const LAUNCHD_LABEL = "com.clawdbot.gateway";
export const SYSTEMD_UNIT = "clawdbot-gateway.service";

/** This package's `bin/run.js` and the repository's `launchd/` folder, found from this file (src/ or dist/). */
const PACKAGE_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const RUN_JS = join(PACKAGE_ROOT, "bin", "run.js");
export const TEMPLATES_DIR = join(PACKAGE_ROOT, "..", "launchd");

/** Narrows `--platform` (or `process.platform`) to a supported one, or says clearly why not. */
export function supportedPlatform(value: string): Platform {
  if ((PLATFORMS as readonly string[]).includes(value)) return value as Platform;
  throw new DaemonError(
    "unsupported-platform",
    `clawdbot daemon supports macOS (launchd) and Linux (systemd --user), not ${value}; run \`clawdbot gateway\` under your own supervisor`,
  );
}

/** The real host: this process's HOME, uid, Node binary and state dir (same rule as the gateway's). */
export function currentHost(env: Readonly<Record<string, string | undefined>>, platform: Platform): DaemonHost {
  const home = env["HOME"] || homedir();
  const nodePath = process.execPath;
  return {
    platform,
    home,
    uid: process.getuid?.() ?? 0,
    user: env["USER"] || userInfo().username,
    stateDir: resolveStatePaths({ ...env, HOME: home }).stateDir,
    nodePath,
    runJs: RUN_JS,
    templatesDir: TEMPLATES_DIR,
    pathEnv: servicePath(env["PATH"] ?? "", dirname(nodePath)),
    now: Date.now,
  };
}

/** The installing shell's PATH with Node's own folder first, so `node` and the user's tools resolve. */
function servicePath(path: string, nodeDir: string): string {
  const parts = path.split(delimiter).filter((p) => p !== "");
  const fallback = ["/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"];
  return [...new Set([nodeDir, ...(parts.length > 0 ? parts : fallback)])].join(delimiter);
}

/** Where each file of the installed service lives. */
export interface ServicePaths {
  tokenFile: string;
  restartMarker: string;
  plist: string;
  logDir: string;
  stdoutLog: string;
  stderrLog: string;
  unit: string;
}

export function servicePaths(host: DaemonHost): ServicePaths {
  const logDir = join(host.home, "Library", "Logs", "clawdbot");
  return {
    tokenFile: join(host.stateDir, "gateway.token"),
    restartMarker: join(host.stateDir, "restart-intent"),
    plist: join(host.home, "Library", "LaunchAgents", `${LAUNCHD_LABEL}.plist`),
    logDir,
    stdoutLog: join(logDir, "gateway.log"),
    stderrLog: join(logDir, "gateway.err.log"),
    unit: join(host.home, ".config", "systemd", "user", SYSTEMD_UNIT),
  };
}

import { existsSync } from "node:fs";
import type { DaemonHost, Platform, ServicePaths } from "./host.js";
import { DaemonError } from "./errors.js";

export type Action = "install" | "uninstall" | "start" | "stop" | "restart" | "status" | "logs";

/**
 * One thing a daemon command does to the machine, in order. `--dry-run` prints the steps;
 * `applyPlan` performs them. Plans are built from facts gathered beforehand, never while applying.
 */
export type Step =
  | { kind: "mkdir"; path: string; mode: number }
  | { kind: "write"; path: string; mode: number; content: string; secret: boolean }
  | { kind: "remove"; path: string }
  | {
      kind: "run";
      argv: string[];
      /** Failure is expected sometimes (bootout of a service that is not loaded, status of a stopped unit). */
      allowFailure: boolean;
      /** quiet: only failures matter; show: the output is the result; stream: hand the terminal over (logs -f). */
      output: "quiet" | "show" | "stream";
    };

export interface Plan {
  platform: Platform;
  action: Action;
  steps: Step[];
  notes: string[];
  /** Set when applying would be pointless (nothing installed): `--dry-run` shows it as a note, applying fails with it. */
  refusal?: string;
}

export interface InstallOptions {
  port?: number;
  bind?: string;
  token?: string;
}

export interface LogOptions {
  lines: number;
  follow: boolean;
}

/** What is on disk before the command runs. */
export interface Facts {
  /** The plist or unit file exists. */
  installed: boolean;
  tokenFile: boolean;
  /** Log files that exist (macOS). */
  logs: string[];
}

export interface PlanContext {
  host: DaemonHost;
  paths: ServicePaths;
  facts: Facts;
  install: InstallOptions;
  logs: LogOptions;
}

/** The facts a plan needs, read from the (possibly fake) home and state dir. */
export function probe(host: DaemonHost, paths: ServicePaths): Facts {
  const serviceFile = host.platform === "darwin" ? paths.plist : paths.unit;
  return {
    installed: existsSync(serviceFile),
    tokenFile: existsSync(paths.tokenFile),
    logs: [paths.stdoutLog, paths.stderrLog].filter((p) => existsSync(p)),
  };
}

export function run(argv: string[], opts: { allowFailure?: boolean; output?: "quiet" | "show" | "stream" } = {}): Step {
  return { kind: "run", argv, allowFailure: opts.allowFailure ?? false, output: opts.output ?? "quiet" };
}

/** What the service runs and with which environment, before any file format gets involved. */
export interface ServiceSpec {
  programArguments: string[];
  environment: Array<[name: string, value: string]>;
  workingDirectory: string;
}

/** The state dir and token file steps of `install`, and the spec that refers to them. */
export function installBasics(ctx: PlanContext): { steps: Step[]; spec: ServiceSpec; notes: string[] } {
  const { host, paths, install, facts } = ctx;
  const steps: Step[] = [{ kind: "mkdir", path: host.stateDir, mode: 0o700 }];
  const notes: string[] = [];
  let tokenFile: string | undefined;
  if (install.token !== undefined) {
    steps.push({ kind: "write", path: paths.tokenFile, mode: 0o600, content: `${checkToken(install.token)}\n`, secret: true });
    tokenFile = paths.tokenFile;
  } else if (facts.tokenFile) {
    tokenFile = paths.tokenFile;
    notes.push(`keeping the gateway token already in ${paths.tokenFile} (pass --token to replace it)`);
  } else if (install.bind !== undefined && install.bind !== "loopback") {
    notes.push(`no token given: the gateway refuses --bind ${install.bind} without one unless clawdbot.json sets gateway.auth`);
  }
  const args = [host.nodePath, host.runJs, "gateway"];
  if (install.port !== undefined) args.push("--port", String(install.port));
  if (install.bind !== undefined) args.push("--bind", install.bind);
  // CLAWDBOT_SERVICE turns the rotated log file on by default (logging.file), so `clawdbot logs` has one to read.
  const environment: Array<[string, string]> = [["CLAWDBOT_STATE_DIR", host.stateDir], ["CLAWDBOT_SERVICE", "1"]];
  if (tokenFile !== undefined) environment.push(["CLAWDBOT_GATEWAY_TOKEN_FILE", tokenFile]);
  environment.push(["PATH", host.pathEnv]);
  notes.push(`the service runs ${host.nodePath}; install again after moving or upgrading Node.js or this checkout`);
  return { steps, spec: { programArguments: args, environment, workingDirectory: host.stateDir }, notes };
}

/** `<stateDir>/restart-intent` with the current time: the gateway reads it on SIGTERM and tells clients to expect it back. */
export function restartMarker(ctx: PlanContext): Step {
  return { kind: "write", path: ctx.paths.restartMarker, mode: 0o600, content: String(ctx.host.now()), secret: false };
}

/** The refusal for start/stop/restart when there is no service file. */
export function notInstalled(ctx: PlanContext, serviceFile: string): string | undefined {
  return ctx.facts.installed ? undefined : `the gateway service is not installed (no ${serviceFile}); run \`clawdbot daemon install\` first`;
}

/** Same floor as the gateway's: it refuses tokens shorter than 8 characters. */
function checkToken(raw: string): string {
  const token = raw.trim();
  if (token.length < 8) throw new DaemonError("invalid-token", "the gateway token must be at least 8 characters");
  if (/\s/.test(token)) throw new DaemonError("invalid-token", "the gateway token must not contain whitespace");
  return token;
}

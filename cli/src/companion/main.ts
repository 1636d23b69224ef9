import { hostname } from "node:os";
import { join } from "node:path";
import type { Readable, Writable } from "node:stream";
import { resolveStatePaths } from "@clawdbot/sidecar/config";
import { currentHost, execRunner, PLATFORMS, type CommandRunner, type Platform } from "../daemon/index.js";
import { linkUrl } from "../gateway-link/connect.js";
import { DeviceIdentityDir } from "../identity-dir.js";
import { loadPermissionProbe, type PermissionProbe } from "../permissions/probe.js";
import { Companion } from "./companion.js";
import { ShellLines } from "./stdio.js";

export interface RunCompanionOptions {
  url: string | undefined;
  token: string | undefined;
  password: string | undefined;
  tlsFingerprint: string | undefined;
  env: Readonly<Record<string, string | undefined>>;
  platform: NodeJS.Platform;
  version: string;
  input: Readable;
  output: Writable;
  log: (message: string) => void;
  /** How launchctl / systemctl are run (default: for real). */
  runner?: CommandRunner;
  /** macOS permissions (default: node-mac-permissions on darwin). */
  permissions?: PermissionProbe;
  pollMs?: number;
}

/** `<stateDir>/companion/`: the companion's device identity and tokens. */
export function companionDir(env: Readonly<Record<string, string | undefined>>): string {
  return join(resolveStatePaths(env).stateDir, "companion");
}

/** Wires the companion to this machine and runs it until the user quits or the shell goes away. */
export async function runCompanion(o: RunCompanionOptions): Promise<number> {
  const platform = (PLATFORMS as readonly string[]).includes(o.platform) ? (o.platform as Platform) : undefined;
  const companion = new Companion({
    url: linkUrl(o),
    token: o.token ?? (o.env["CLAWDBOT_GATEWAY_TOKEN"] || undefined),
    password: o.password ?? (o.env["CLAWDBOT_GATEWAY_PASSWORD"] || undefined),
    tlsFingerprint: o.tlsFingerprint,
    identity: new DeviceIdentityDir(companionDir(o.env), "move it aside to create a new companion identity (approve it again on the gateway)"),
    service: { host: platform ? currentHost(o.env, platform) : undefined, runner: o.runner ?? execRunner },
    permissions: o.permissions ?? (await loadPermissionProbe(o.platform)),
    shell: new ShellLines(o.input, o.output),
    version: o.version,
    platform: o.platform,
    hostname: hostname(),
    log: o.log,
    ...(o.pollMs !== undefined ? { pollMs: o.pollMs } : {}),
  });
  return companion.run();
}

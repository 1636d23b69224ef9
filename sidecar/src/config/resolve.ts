import { isIP } from "node:net";
import { networkInterfaces } from "node:os";
import type { ConfigFile } from "./schema.js";
import type { StatePaths } from "./paths.js";
import { ConfigError } from "./errors.js";

export type AuthMode = "token" | "password" | "none";
export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";

/** The gateway's effective, frozen configuration: file < env < flags, defaults filled in. */
export interface GatewayConfig {
  readonly paths: StatePaths;
  readonly bind: string;
  readonly host: string;
  readonly port: number;
  readonly auth: { readonly mode: AuthMode; readonly token?: string; readonly password?: string };
  readonly tickIntervalMs: number;
  readonly handshakeTimeoutMs: number;
  readonly maxPayload: number;
  readonly maxBufferedBytes: number;
  readonly trustedProxies: readonly string[];
  readonly allowedOrigins: readonly string[];
  readonly autoApproveLocal: boolean;
  readonly authRateLimit: { readonly maxFailures: number; readonly windowMs: number };
  readonly heartbeat: { readonly enabled: boolean; readonly intervalMs: number };
  readonly logLevel: LogLevel;
}

/** Command-line overrides. */
export interface GatewayFlags {
  port?: number;
  bind?: string;
  token?: string;
  password?: string;
  verbose?: boolean;
}

export const DEFAULT_PORT = 18789;

/** Maps `loopback|lan|tailnet|<ip>` to a listen address. */
export function resolveBindHost(bind: string, interfaces = networkInterfaces()): string {
  if (bind === "loopback" || bind === "localhost") return "127.0.0.1";
  if (bind === "lan" || bind === "all") return "0.0.0.0";
  if (bind === "tailnet") {
    for (const list of Object.values(interfaces)) {
      for (const a of list ?? []) if (a.family === "IPv4" && a.address.startsWith("100.")) return a.address;
    }
    throw new ConfigError("bind=tailnet: no Tailscale (100.x) address found on this machine; is Tailscale up?");
  }
  if (isIP(bind)) return bind;
  throw new ConfigError(`bind: "${bind}" is not loopback, lan, tailnet or an IP address`);
}

/** True for 127.0.0.0/8, ::1 and IPv4-mapped loopback. */
export function isLoopbackAddress(addr: string): boolean {
  return addr === "::1" || addr.startsWith("127.") || addr.startsWith("::ffff:127.");
}

/** Builds the effective config; throws ConfigError on contradictions (e.g. LAN bind without a secret). */
export function resolveConfig(
  file: ConfigFile,
  paths: StatePaths,
  env: Readonly<Record<string, string | undefined>>,
  flags: GatewayFlags = {},
): GatewayConfig {
  const g = file.gateway ?? {};
  const token = flags.token || env["CLAWDBOT_GATEWAY_TOKEN"] || g.auth?.token;
  const password = flags.password || env["CLAWDBOT_GATEWAY_PASSWORD"] || g.auth?.password;
  const bind = flags.bind ?? g.bind ?? "loopback";
  const host = resolveBindHost(bind);
  const port = flags.port ?? g.port ?? DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`port: ${port} is not a TCP port`);
  const mode: AuthMode = token ? "token" : password ? "password" : "none";
  if (mode === "none" && !isLoopbackAddress(host)) {
    throw new ConfigError(
      `refusing to bind ${host} without a gateway token or password: set CLAWDBOT_GATEWAY_TOKEN or pass --token`,
    );
  }
  const auth = { mode, ...(token ? { token } : {}), ...(password ? { password } : {}) };
  const logLevel: LogLevel = flags.verbose ? "debug" : (file.logging?.level ?? "info");
  return deepFreeze({
    paths,
    bind,
    host,
    port,
    auth,
    tickIntervalMs: g.tickIntervalMs ?? 30_000,
    handshakeTimeoutMs: g.handshakeTimeoutMs ?? 10_000,
    maxPayload: g.maxPayload ?? 512 * 1024,
    maxBufferedBytes: g.maxBufferedBytes ?? 1.5 * 1024 * 1024,
    trustedProxies: g.trustedProxies ?? [],
    allowedOrigins: g.allowedOrigins ?? [],
    autoApproveLocal: g.pairing?.autoApproveLocal ?? true,
    authRateLimit: { maxFailures: g.authRateLimit?.maxFailures ?? 20, windowMs: g.authRateLimit?.windowMs ?? 60_000 },
    heartbeat: { enabled: file.heartbeat?.enabled ?? true, intervalMs: file.heartbeat?.intervalMs ?? 30 * 60_000 },
    logLevel,
  });
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === "object") {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/** The config with secrets replaced, for config.get and logs. */
export function redactedConfig(file: ConfigFile): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(file)) as { gateway?: { auth?: Record<string, unknown> } };
  const auth = copy.gateway?.auth;
  if (auth) for (const k of Object.keys(auth)) auth[k] = "[redacted]";
  return copy as Record<string, unknown>;
}

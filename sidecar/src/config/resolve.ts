import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { MIN_SECRET_LENGTH, type ConfigFile, type RealIpHeader } from "./schema.js";
import type { StatePaths } from "./paths.js";
import { ConfigError } from "./errors.js";
import { parseAddressRange } from "../auth/address.js";
import { CHANNEL_MODULES, type ChannelId } from "../channels/modules.js";
import { accountEntries, defaultAccountOf, type ResolvedChannel } from "../channels/module.js";
import { DEFAULT_PORT } from "./basics.js";
import { isLoopbackAddress, resolveBindHost } from "./listen-address.js";

export type { ChannelAccessConfig, DmPolicy } from "../channels/access-schema.js";
export type { TelegramConfig } from "../channels/telegram/config.js";

/** How clients show the agent. */
export interface AgentIdentity {
  readonly name?: string;
  readonly emoji?: string;
  readonly avatar?: string;
}

export type AgentConfig = { readonly maxTimeoutMs: number } & (
  | { readonly backend: "echo"; readonly timeoutMs: number }
  | {
      readonly backend: "openai";
      readonly timeoutMs: number;
      readonly baseUrl: string;
      readonly model: string;
      /** Further model ids a session may pick. */
      readonly models: readonly string[];
      readonly apiKey: string | undefined;
      readonly systemPrompt: string | undefined;
    }
  | {
      readonly backend: "command";
      readonly timeoutMs: number;
      readonly argv: readonly string[];
      /** The key its time limit comes from: agent.command.timeoutMs when set, else agent.timeoutMs. */
      readonly timeoutSetting: "agent.command.timeoutMs" | "agent.timeoutMs";
      /** What the program sees of the environment: the basics, never the gateway's secrets. */
      readonly env: Readonly<Record<string, string>>;
    }
) & { readonly identity: AgentIdentity };

/** The scheduler's settings. */
export interface CronConfig {
  readonly enabled: boolean;
  readonly maxRunsPerJob: number;
  readonly catchUp: "once" | "skip";
}

export type AuthMode = "token" | "password" | "none";
export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";

/** The gateway's effective, frozen configuration: file < env < flags, defaults filled in. */
export interface GatewayConfig {
  readonly paths: StatePaths;
  readonly bind: string;
  readonly host: string;
  readonly port: number;
  readonly auth: {
    readonly mode: AuthMode;
    readonly token?: string;
    readonly password?: string;
    /** Non-local clients may connect with the secret alone (no device identity). */
    readonly allowSecretOnly: boolean;
  };
  readonly tickIntervalMs: number;
  readonly handshakeTimeoutMs: number;
  readonly maxPayload: number;
  readonly maxBufferedBytes: number;
  /** Reverse proxies (addresses or CIDR ranges): connections from them are never local. */
  readonly trustedProxies: readonly string[];
  /** The header a trusted proxy names the client in. */
  readonly realIpHeader: RealIpHeader;
  readonly allowedOrigins: readonly string[];
  /** Host names beyond loopback, the bound address and this machine's names that requests may carry. */
  readonly allowedHosts: readonly string[];
  readonly autoApproveLocal: boolean;
  readonly authRateLimit: { readonly maxFailures: number; readonly windowMs: number };
  readonly heartbeat: { readonly enabled: boolean; readonly intervalMs: number };
  readonly logLevel: LogLevel;
  /** The rotated log file, when logging.file is on (by default when run as a service). */
  readonly logFile: LogFileConfig | undefined;
  readonly agent: AgentConfig;
  readonly cron: CronConfig;
  readonly tls: { readonly enabled: boolean; readonly certPath?: string; readonly keyPath?: string };
  readonly discovery: { readonly enabled: boolean; readonly minimal: boolean };
  readonly nodes: { readonly allowCommands: readonly string[]; readonly denyCommands: readonly string[] };
  /** Canvas host port (0 = pick one; null = disabled). */
  readonly canvasPort: number | null;
  /** Configured channels and their enabled accounts, keyed by channel id. */
  readonly channels: Readonly<Partial<Record<ChannelId, ResolvedChannel>>>;
}

export interface LogFileConfig {
  readonly path: string;
  readonly maxFileBytes: number;
  readonly maxTotalBytes: number;
}

/** Command-line overrides. */
export interface GatewayFlags {
  port?: number;
  bind?: string;
  token?: string;
  /** File holding the token (`--token-file`), read like CLAWDBOT_GATEWAY_TOKEN_FILE. */
  tokenFile?: string;
  password?: string;
  verbose?: boolean;
  tls?: boolean;
  canvasPort?: number;
}

export { DEFAULT_PORT };
export const DEFAULT_CANVAS_PORT = 18793;

/** Builds the effective config; throws ConfigError on contradictions (e.g. LAN bind without a secret). */
export function resolveConfig(
  file: ConfigFile,
  paths: StatePaths,
  env: Readonly<Record<string, string | undefined>>,
  flags: GatewayFlags = {},
): GatewayConfig {
  // Every problem is collected, so one look at the error fixes them all.
  const problems: string[] = [];
  const attempt = <T>(fn: () => T, fallback: T): T => {
    try {
      return fn();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(...err.problems);
      return fallback;
    }
  };
  const g = file.gateway ?? {};
  const token =
    flags.token ||
    (flags.tokenFile ? attempt(() => readTokenFile(flags.tokenFile), undefined) : undefined) ||
    env["CLAWDBOT_GATEWAY_TOKEN"] ||
    attempt(() => readTokenFile(env["CLAWDBOT_GATEWAY_TOKEN_FILE"] ?? g.auth?.tokenFile), undefined) ||
    g.auth?.token;
  const password = flags.password || env["CLAWDBOT_GATEWAY_PASSWORD"] || g.auth?.password;
  attempt(() => secretLongEnough("CLAWDBOT_GATEWAY_TOKEN", flags.token ? undefined : env["CLAWDBOT_GATEWAY_TOKEN"]), undefined);
  attempt(() => secretLongEnough("CLAWDBOT_GATEWAY_PASSWORD", flags.password ? undefined : env["CLAWDBOT_GATEWAY_PASSWORD"]), undefined);
  const bind = flags.bind ?? g.bind ?? "loopback";
  const host = attempt(() => resolveBindHost(bind), "127.0.0.1");
  const port = flags.port ?? g.port ?? DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push(`port: ${port} is not a TCP port`);
  const mode: AuthMode = token ? "token" : password ? "password" : "none";
  if (mode === "none" && !isLoopbackAddress(host)) {
    problems.push(`refusing to bind ${host} without a gateway token or password: set CLAWDBOT_GATEWAY_TOKEN or pass --token-file`);
  }
  const auth = { mode, ...(token ? { token } : {}), ...(password ? { password } : {}), allowSecretOnly: g.auth?.allowSecretOnly ?? false };
  const logLevel: LogLevel = flags.verbose ? "debug" : (file.logging?.level ?? "info");
  const config: GatewayConfig = {
    paths,
    bind,
    host,
    port,
    auth,
    tickIntervalMs: g.tickIntervalMs ?? 30_000,
    handshakeTimeoutMs: g.handshakeTimeoutMs ?? 10_000,
    maxPayload: g.maxPayload ?? 512 * 1024,
    maxBufferedBytes: g.maxBufferedBytes ?? 1.5 * 1024 * 1024,
    trustedProxies: attempt(() => trustedProxies(g.trustedProxies ?? []), []),
    realIpHeader: g.realIpHeader ?? "x-forwarded-for",
    allowedOrigins: g.allowedOrigins ?? [],
    allowedHosts: allowedHosts(g.allowedHosts ?? []),
    autoApproveLocal: g.pairing?.autoApproveLocal ?? true,
    authRateLimit: { maxFailures: g.authRateLimit?.maxFailures ?? 20, windowMs: g.authRateLimit?.windowMs ?? 60_000 },
    heartbeat: { enabled: file.heartbeat?.enabled ?? true, intervalMs: file.heartbeat?.intervalMs ?? 30 * 60_000 },
    logLevel,
    logFile: logFileOf(file, paths.stateDir, env),
    agent: attempt(() => resolveAgent(file, env), { backend: "echo", timeoutMs: 0, maxTimeoutMs: 0, identity: {} }),
    cron: { enabled: file.cron?.enabled ?? true, maxRunsPerJob: file.cron?.maxRunsPerJob ?? 200, catchUp: file.cron?.catchUp ?? "once" },
    tls: {
      enabled: flags.tls ?? g.tls?.enabled ?? false,
      ...(g.tls?.certPath ? { certPath: g.tls.certPath } : {}),
      ...(g.tls?.keyPath ? { keyPath: g.tls.keyPath } : {}),
    },
    nodes: { allowCommands: g.nodes?.allowCommands ?? [], denyCommands: g.nodes?.denyCommands ?? [] },
    canvasPort: flags.canvasPort ?? g.canvasPort ?? DEFAULT_CANVAS_PORT,
    discovery: { enabled: file.discovery?.enabled ?? !isLoopbackAddress(host), minimal: file.discovery?.minimal ?? false },
    channels: attempt(() => resolveChannels(file, env), {}),
  };
  if (problems.length === 1) throw new ConfigError(problems[0]!);
  if (problems.length > 1) throw new ConfigError(`${problems.length} problems: ${problems.join("; ")}`, problems);
  return deepFreeze(config);
}

/**
 * Where the gateway writes its log file: logging.file (true, or a path relative to the state dir),
 * by default `<stateDir>/logs/gateway.log` when run as a service (CLAWDBOT_SERVICE=1, set by `daemon install`).
 */
export function logFileOf(file: ConfigFile, stateDir: string, env: Readonly<Record<string, string | undefined>>): LogFileConfig | undefined {
  const l = file.logging ?? {};
  const on = l.file ?? env["CLAWDBOT_SERVICE"] === "1";
  if (on === false) return undefined;
  const path = on === true ? join(stateDir, "logs", "gateway.log") : resolve(stateDir, on);
  const maxFileBytes = l.maxFileBytes ?? 10 * 1024 * 1024;
  return { path, maxFileBytes, maxTotalBytes: Math.max(l.maxTotalBytes ?? 100 * 1024 * 1024, 2 * maxFileBytes) };
}

/** A secret from the environment meets the same floor as one in the file. */
function secretLongEnough(name: string, value: string | undefined): void {
  if (value && value.length < MIN_SECRET_LENGTH) throw new ConfigError(`${name} is ${value.length} characters long; a gateway secret has at least ${MIN_SECRET_LENGTH}`);
}

function allowedHosts(entries: readonly string[]): string[] {
  const bad = entries.filter((e) => !/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+)$/.test(e) || e.startsWith("."));
  if (bad.length > 0) throw new ConfigError(`gateway.allowedHosts: ${bad.map((b) => JSON.stringify(b)).join(", ")} is not a host name or address (no scheme, port or path)`);
  return [...entries];
}

function trustedProxies(entries: readonly string[]): string[] {
  const bad = entries.filter((e) => parseAddressRange(e) === undefined);
  if (bad.length > 0) throw new ConfigError(`gateway.trustedProxies: ${bad.map((b) => JSON.stringify(b)).join(", ")} is not an IP address or CIDR range`);
  return [...entries];
}

/** Reads a token kept in a file (so service definitions never hold it in clear text). */
function readTokenFile(path: string | undefined): string | undefined {
  if (!path) return undefined;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError(`cannot read the gateway token file ${path}: ${(err as Error).message}`);
  }
  const token = text.trim();
  if (token.length < MIN_SECRET_LENGTH) throw new ConfigError(`the gateway token in ${path} is shorter than ${MIN_SECRET_LENGTH} characters`);
  return token;
}

function resolveAgent(file: ConfigFile, env: Readonly<Record<string, string | undefined>>): AgentConfig {
  const a = file.agent ?? {};
  const identity = a.identity ?? {};
  const timeoutMs = a.timeoutMs ?? 120_000;
  const maxTimeoutMs = Math.max(a.maxTimeoutMs ?? 3_600_000, timeoutMs);
  const backend = a.backend ?? "echo";
  if (backend === "openai") {
    if (!a.openai) throw new ConfigError("agent.openai: backend \"openai\" needs agent.openai.baseUrl and agent.openai.model");
    return {
      backend,
      timeoutMs,
      maxTimeoutMs,
      baseUrl: a.openai.baseUrl,
      model: a.openai.model,
      models: a.openai.models ?? [],
      identity,
      apiKey: env[a.openai.apiKeyEnv ?? "OPENAI_API_KEY"],
      systemPrompt: a.systemPrompt,
    };
  }
  if (backend === "command") {
    if (!a.command) throw new ConfigError("agent.command: backend \"command\" needs agent.command.argv");
    const keep = ["PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "TZ", "TMPDIR", "SHELL"];
    const childEnv = Object.fromEntries(keep.flatMap((k) => (env[k] !== undefined ? [[k, env[k]!]] : [])));
    const own = a.command.timeoutMs !== undefined;
    return {
      backend,
      timeoutMs: a.command.timeoutMs ?? timeoutMs,
      timeoutSetting: own ? "agent.command.timeoutMs" : "agent.timeoutMs",
      maxTimeoutMs,
      argv: a.command.argv,
      env: childEnv,
      identity,
    };
  }
  return { backend: "echo", timeoutMs, maxTimeoutMs, identity };
}

/** Every configured channel's enabled accounts, resolved by its module. */
function resolveChannels(file: ConfigFile, env: Readonly<Record<string, string | undefined>>): GatewayConfig["channels"] {
  const out: Partial<Record<ChannelId, ResolvedChannel>> = {};
  for (const m of CHANNEL_MODULES) {
    const section = file.channels?.[m.id] as Record<string, unknown> | undefined;
    if (!section) continue;
    const entries = accountEntries(section).filter((e) => e.file["enabled"] !== false);
    if (entries.length === 0) continue;
    const ids = entries.map((e) => e.id);
    const defaultAccountId = defaultAccountOf(section, ids);
    const single = entries.length === 1 && ids[0] === "default" && !section["accounts"];
    const accounts = Object.fromEntries(
      entries.map((e) => [
        e.id,
        m.resolve(e.file as never, env, { id: e.id, isDefault: e.id === defaultAccountId, path: single ? `channels.${m.id}` : `channels.${m.id}.accounts.${e.id}` }),
      ]),
    );
    out[m.id] = { accounts, defaultAccountId };
  }
  return out;
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === "object") {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/** What a secret reads as wherever the gateway shows the config; sent back, it means "unchanged". */
export const REDACTED = "[redacted]";

/** The config with secrets replaced, for config.get and logs. */
export function redactedConfig(file: ConfigFile): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(file)) as { gateway?: { auth?: Record<string, unknown> }; channels?: Record<string, Record<string, unknown>> };
  const auth = copy.gateway?.auth;
  if (auth) for (const k of Object.keys(auth)) if (k !== "allowSecretOnly") auth[k] = REDACTED;
  for (const m of CHANNEL_MODULES) {
    const section = copy.channels?.[m.id];
    if (!section) continue;
    const { accounts, ...base } = section as { accounts?: Record<string, Record<string, unknown>> };
    const redacted: Record<string, unknown> = m.redact(base as never);
    if (accounts) redacted["accounts"] = Object.fromEntries(Object.entries(accounts).map(([id, a]) => [id, m.redact(a as never)]));
    copy.channels![m.id] = redacted;
  }
  return copy as Record<string, unknown>;
}

/** Said once at start-up when a gateway secret was passed as a command-line argument. */
export function argvSecretWarning(flags: string[]): string {
  return `${flags.join(" and ")} on the command line can be read by every local user (ps); use the environment (CLAWDBOT_GATEWAY_TOKEN, CLAWDBOT_GATEWAY_PASSWORD) or --token-file instead`;
}

import { readFile, unlink } from "node:fs/promises";
import { join } from "node:path";
import {
  ConfigError,
  argvSecretWarning,
  loadConfigFile,
  resolveConfig,
  resolveStatePaths,
  type GatewayFlags,
  type StatePaths,
} from "./config/index.js";
import { createLogger, type Logger } from "./logging/logger.js";
import { LogRing } from "./logging/log-ring.js";
import { Gateway } from "./gateway.js";
import { StoreCorruptError } from "./store/json-file.js";
import { InstanceLock, InstanceLockedError, InstanceLockUnsafeError } from "./daemon/instance-lock.js";

export interface RunGatewayOptions {
  flags: GatewayFlags & { config?: string };
  env: Readonly<Record<string, string | undefined>>;
  /** Pretty logs on a terminal, JSON lines otherwise. */
  pretty: boolean;
  /** Where one-line fatal errors go. */
  fail: (message: string) => void;
}

const SHUTDOWN_DEADLINE_MS = 5000;

/** Runs the gateway in the foreground until SIGINT/SIGTERM; resolves with the process exit code. */
export async function runGateway(opts: RunGatewayOptions): Promise<number> {
  let gateway: Gateway;
  let lock: InstanceLock | undefined;
  const paths = resolveStatePaths(opts.env, opts.flags.config);
  const ring = new LogRing();
  let logger: Logger | undefined;
  let finish: (code: number) => void = () => undefined;
  const exited = new Promise<number>((resolve) => (finish = resolve));
  // config.apply with restartDelayMs: stop this gateway, start a fresh one from the file, same process.
  let restarting = false;
  const restart = (reason: string) => {
    if (restarting) return;
    restarting = true;
    void (async () => {
      await gateway.stop(`restarting: ${reason}`, RESTART_EXPECTED_MS);
      gateway = await boot(paths, opts, ring, logger, restart);
      lock?.update(gateway.port, gateway.url);
    })()
      .catch((err: unknown) => {
        opts.fail(`restart failed: ${(err as Error).message}`);
        void lock?.release().then(() => finish(1));
      })
      .finally(() => (restarting = false));
  };
  try {
    const file = await loadConfigFile(paths.configPath, { required: configNamed(opts) });
    const config = resolveConfig(file.file, paths, opts.env, opts.flags);
    lock = await InstanceLock.acquire(paths.stateDir);
    logger = createLogger({ level: config.logLevel, pretty: opts.pretty, ring });
    const inArgv = [opts.flags.token !== undefined ? "--token" : "", opts.flags.password !== undefined ? "--password" : ""].filter(Boolean);
    if (inArgv.length > 0) logger.warn({ flags: inArgv }, argvSecretWarning(inArgv));
    gateway = await boot(paths, opts, ring, logger, restart);
    lock.update(gateway.port, gateway.url);
  } catch (err) {
    await lock?.release();
    if (err instanceof ConfigError || err instanceof StoreCorruptError || err instanceof InstanceLockedError || err instanceof InstanceLockUnsafeError) {
      opts.fail(err.message);
      return 1;
    }
    throw err;
  }
  const onHup = () => {
    void reloadConfig(gateway, paths, opts);
  };
  process.on("SIGHUP", onHup);
  const onSignal = (signal: NodeJS.Signals) => {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    process.off("SIGHUP", onHup);
    setTimeout(() => finish(1), SHUTDOWN_DEADLINE_MS).unref();
    void restartIntent(paths.stateDir)
      .then((restartExpectedMs) => gateway.stop(`received ${signal}`, restartExpectedMs))
      .then(
        () => 0,
        () => 1,
      )
      .then(async (code) => {
        await lock?.release();
        finish(code);
      });
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return exited;
}

/** Reads the config file, builds a gateway on it and listens; prints the listening line. */
async function boot(paths: StatePaths, opts: RunGatewayOptions, ring: LogRing, logger: Logger | undefined, onRestart: (reason: string) => void): Promise<Gateway> {
  const file = await loadConfigFile(paths.configPath);
  const config = resolveConfig(file.file, paths, opts.env, opts.flags);
  const log = logger ?? createLogger({ level: config.logLevel, pretty: opts.pretty, ring });
  log.level = config.logLevel;
  const gateway = await Gateway.create({
    config,
    configFile: file,
    logger: log,
    logRing: ring,
    resolve: (f) => resolveConfig(f, paths, opts.env, opts.flags),
    onRestart,
  });
  try {
    await gateway.listen();
  } catch (err) {
    await gateway.stop("could not listen").catch(() => undefined);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE") {
      throw new ConfigError(`port ${config.port} on ${config.host} is already in use by another program; pick another with --port`);
    }
    if (code === "EADDRNOTAVAIL") throw new ConfigError(`cannot bind ${config.host}: no such address on this machine`);
    throw err;
  }
  process.stdout.write(`clawdbot gateway listening on ${gateway.url} (pid ${process.pid})\n`);
  process.stdout.write(`Control UI: ${pageUrl(gateway.url)}control/  WebChat: ${pageUrl(gateway.url)}\n`);
  if (gateway.tlsFingerprint) process.stdout.write(`TLS certificate SHA-256 fingerprint: ${gateway.tlsFingerprint}\n`);
  return gateway;
}

/** A config path the user named (--config, CLAWDBOT_CONFIG_PATH) must exist; the default one may not. */
function configNamed(opts: RunGatewayOptions): boolean {
  return Boolean(opts.flags.config || opts.env["CLAWDBOT_CONFIG_PATH"]);
}

const RESTART_EXPECTED_MS = 5000;

/** `clawdbot daemon restart` leaves a fresh marker: clients are told to expect us back. */
async function restartIntent(stateDir: string): Promise<number | undefined> {
  const marker = join(stateDir, "restart-intent");
  try {
    const at = Number.parseInt(await readFile(marker, "utf8"), 10);
    await unlink(marker).catch(() => undefined);
    return Number.isFinite(at) && Date.now() - at < 60_000 ? RESTART_EXPECTED_MS : undefined;
  } catch {
    return undefined;
  }
}

/** SIGHUP: validate the config file first; a bad one is refused with a log line and the old config stays. */
async function reloadConfig(gateway: Gateway, paths: StatePaths, opts: RunGatewayOptions): Promise<void> {
  try {
    const file = await loadConfigFile(paths.configPath, { required: configNamed(opts) });
    const next = resolveConfig(file.file, paths, opts.env, opts.flags);
    const plan = gateway.applyConfig(next, file);
    if (plan.restart.length > 0) gateway.logger.warn({ restartRequired: plan.restart }, "some changes take effect after a restart");
  } catch (err) {
    gateway.logger.error({ err: (err as Error).message, path: paths.configPath }, "config reload rejected; still running with the previous config");
  }
}

/** The http(s) address of the pages the gateway serves next to its socket. */
function pageUrl(wsUrl: string): string {
  const u = new URL(wsUrl);
  u.protocol = u.protocol === "wss:" ? "https:" : "http:";
  u.pathname = "/";
  return u.toString();
}

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
import { removeInstanceRecord, writeInstanceRecord } from "./daemon/instance-record.js";
import { LogFile } from "./logging/log-file.js";
import { addressLines } from "./server/addresses.js";
import { GATEWAY_VERSION } from "./version.js";

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
  let logging: Logging | undefined;
  const paths = resolveStatePaths(opts.env, opts.flags.config);
  let finish: (code: number) => void = () => undefined;
  const exited = new Promise<number>((resolve) => (finish = resolve));
  // config.apply with restartDelayMs: stop this gateway, start a fresh one from the file, same process.
  let restarting = false;
  const restart = (reason: string) => {
    const current = logging;
    if (restarting || current === undefined) return;
    restarting = true;
    void (async () => {
      await gateway.stop(`restarting: ${reason}`, RESTART_EXPECTED_MS);
      gateway = await boot(paths, opts, current, restart);
      lock?.update(gateway.port, gateway.url);
    })()
      .catch(async (err: unknown) => {
        opts.fail(`restart failed: ${(err as Error).message}`);
        await removeInstanceRecord(paths.stateDir, process.pid).catch(() => undefined);
        await current.file?.close();
        await lock?.release();
        finish(1);
      })
      .finally(() => (restarting = false));
  };
  // A stop asked for while the gateway is still starting is honoured once it has started, instead
  // of Node's default handler killing it half-way (lock, instance record and log file left behind).
  let signalledWhileStarting: NodeJS.Signals | undefined;
  const whileStarting = (signal: NodeJS.Signals) => (signalledWhileStarting ??= signal);
  process.on("SIGINT", whileStarting);
  process.on("SIGTERM", whileStarting);
  const startDone = () => {
    process.off("SIGINT", whileStarting);
    process.off("SIGTERM", whileStarting);
  };
  try {
    const file = await loadConfigFile(paths.configPath, { required: configNamed(opts) });
    const config = resolveConfig(file.file, paths, opts.env, opts.flags);
    lock = await InstanceLock.acquire(paths.stateDir);
    const logFile = config.logFile ? new LogFile({ ...config.logFile, report: (m) => process.stderr.write(`clawdbot gateway: ${m}\n`) }) : undefined;
    const ring = new LogRing(undefined, logFile?.path);
    const logger = createLogger({ level: config.logLevel, pretty: opts.pretty, ring, ...(logFile ? { file: logFile } : {}) });
    logging = { ring, logger, file: logFile };
    const inArgv = [opts.flags.token !== undefined ? "--token" : "", opts.flags.password !== undefined ? "--password" : ""].filter(Boolean);
    if (inArgv.length > 0) logger.warn({ flags: inArgv }, argvSecretWarning(inArgv));
    gateway = await boot(paths, opts, logging, restart);
    lock.update(gateway.port, gateway.url);
  } catch (err) {
    startDone();
    await lock?.release();
    await logging?.file?.close();
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
        await removeInstanceRecord(paths.stateDir, process.pid).catch((e: unknown) => gateway.logger.warn({ err: e }, "could not remove the instance record"));
        await logging?.file?.close();
        await lock?.release();
        finish(code);
      });
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  startDone();
  if (signalledWhileStarting) onSignal(signalledWhileStarting);
  return exited;
}

/** The process's logging, kept across in-process restarts. */
interface Logging {
  readonly ring: LogRing;
  readonly logger: Logger;
  readonly file: LogFile | undefined;
}

/**
 * Reads the config file, builds a gateway on it and listens; records the running instance, then
 * prints where clients reach it.
 */
async function boot(paths: StatePaths, opts: RunGatewayOptions, logging: Logging, onRestart: (reason: string) => void): Promise<Gateway> {
  const file = await loadConfigFile(paths.configPath);
  const config = resolveConfig(file.file, paths, opts.env, opts.flags);
  const { logger, ring } = logging;
  logger.level = config.logLevel;
  const gateway = await Gateway.create({
    config,
    configFile: file,
    logger,
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
  const addresses = gateway.addresses();
  const logPath = logging.file?.path;
  await writeInstanceRecord(paths.stateDir, {
    version: 1,
    pid: process.pid,
    startedAt: Date.now(),
    gatewayVersion: GATEWAY_VERSION,
    host: config.host,
    port: gateway.port,
    configPath: paths.configPath,
    ...addresses,
    ...(logPath ? { logFile: logPath } : {}),
  });
  // Printed once the record exists: whoever sees this line can find the gateway through it.
  process.stdout.write([`clawdbot gateway listening on ${gateway.url} (pid ${process.pid})`, ...addressLines(addresses), ""].join("\n"));
  if (logPath) process.stdout.write(`  log file:    ${logPath}\n`);
  process.stdout.write(`Control UI: ${pageUrl(gateway.url)}control/  WebChat: ${pageUrl(gateway.url)}\n`);
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

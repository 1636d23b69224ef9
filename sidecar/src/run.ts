import {
  ConfigError,
  loadConfigFile,
  resolveConfig,
  resolveStatePaths,
  type GatewayFlags,
} from "./config/index.js";
import { createLogger } from "./logging/logger.js";
import { LogRing } from "./logging/log-ring.js";
import { Gateway } from "./gateway.js";
import { StoreCorruptError } from "./store/json-file.js";
import { InstanceLock, InstanceLockedError } from "./daemon/instance-lock.js";

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
  try {
    const paths = resolveStatePaths(opts.env, opts.flags.config);
    const file = await loadConfigFile(paths.configPath);
    const config = resolveConfig(file.file, paths, opts.env, opts.flags);
    lock = await InstanceLock.acquire(paths.stateDir);
    const ring = new LogRing();
    const logger = createLogger({ level: config.logLevel, pretty: opts.pretty, ring });
    gateway = await Gateway.create({ config, configFile: file, logger, logRing: ring });
    try {
      await gateway.listen();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "EADDRINUSE") {
        throw new ConfigError(`port ${config.port} on ${config.host} is already in use by another program; pick another with --port`);
      }
      if (code === "EADDRNOTAVAIL") throw new ConfigError(`cannot bind ${config.host}: no such address on this machine`);
      throw err;
    }
    lock.update(gateway.port, gateway.url);
    process.stdout.write(`clawdbot gateway listening on ${gateway.url} (pid ${process.pid})\n`);
    if (gateway.tlsFingerprint) process.stdout.write(`TLS certificate SHA-256 fingerprint: ${gateway.tlsFingerprint}\n`);
  } catch (err) {
    await lock?.release();
    if (err instanceof ConfigError || err instanceof StoreCorruptError || err instanceof InstanceLockedError) {
      opts.fail(err.message);
      return 1;
    }
    throw err;
  }
  return new Promise<number>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      setTimeout(() => resolve(1), SHUTDOWN_DEADLINE_MS).unref();
      gateway
        .stop(`received ${signal}`)
        .then(
          () => 0,
          () => 1,
        )
        .then(async (code) => {
          await lock?.release();
          resolve(code);
        });
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}

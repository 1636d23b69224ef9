import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import {
  Gateway,
  LogRing,
  configHash,
  createLogger,
  parseConfigText,
  resolveConfig,
  type ConfigFile,
  type GatewayFlags,
  type GatewayOptions,
  type Timers,
} from "@clawdbot/sidecar";

export interface TestGateway {
  gateway: Gateway;
  url: string;
  port: number;
  stateDir: string;
  logs: LogRing;
  stop(): Promise<void>;
}

export interface StartOptions {
  file?: ConfigFile;
  flags?: GatewayFlags;
  env?: Record<string, string | undefined>;
  now?: () => number;
  /** Reuse a state dir (restart tests); a fresh temp dir otherwise. */
  stateDir?: string;
  /** Channel test seams (GatewayOptions.channelTransports). */
  channelTransports?: GatewayOptions["channelTransports"];
  /** Timers of the cron scheduler. */
  timers?: Timers;
  /** The config file's text (JSON5, comments and all), instead of `file`. */
  configText?: string;
}

/** Starts a real gateway in-process on an ephemeral loopback port with its own temp state dir. */
export async function startGateway(opts: StartOptions = {}): Promise<TestGateway> {
  const stateDir = opts.stateDir ?? (await mkdtemp(join(tmpdir(), "clawdbot-test-")));
  const paths = { stateDir, configPath: join(stateDir, "clawdbot.json") };
  const file: ConfigFile = opts.configText !== undefined ? parseConfigText(paths.configPath, opts.configText) : (opts.file ?? {});
  const flags = { port: 0, canvasPort: 0, ...opts.flags };
  const config = resolveConfig(file, paths, opts.env ?? {}, flags);
  // The gateway runs from a real file, as it would: config.get and config writes read it from disk.
  const text = opts.configText ?? (opts.file ? `${JSON.stringify(opts.file, null, 2)}\n` : undefined);
  // A state dir handed over from a stopped gateway may already have been cleaned up with it.
  if (text !== undefined) {
    await mkdir(stateDir, { recursive: true });
    await writeFile(paths.configPath, text, { mode: 0o600 });
  }
  const logs = new LogRing();
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  const logger = createLogger({ level: process.env["TEST_LOG"] ? "debug" : "info", pretty: false, ring: logs, destination: process.env["TEST_LOG"] ? process.stderr : sink });
  const gateway = await Gateway.create({
    config,
    configFile: { path: paths.configPath, exists: text !== undefined, hash: text !== undefined ? configHash(text) : "", file },
    logger,
    logRing: logs,
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.channelTransports ? { channelTransports: opts.channelTransports } : {}),
    ...(opts.timers ? { timers: opts.timers } : {}),
    // Config writes re-resolve with the same env and flags; the port stays the one bound.
    resolve: (f) => resolveConfig(f, paths, opts.env ?? {}, { ...flags, port: config.port }),
  });
  const { port } = await gateway.listen();
  return {
    gateway,
    url: `ws://127.0.0.1:${port}`,
    port,
    stateDir,
    logs,
    stop: async () => {
      await gateway.stop("test done");
      if (!opts.stateDir) await rm(stateDir, { recursive: true, force: true, maxRetries: 5 });
    },
  };
}

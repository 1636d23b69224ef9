import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import {
  Gateway,
  LogRing,
  createLogger,
  resolveConfig,
  type ConfigFile,
  type GatewayFlags,
  type GatewayOptions,
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
}

/** Starts a real gateway in-process on an ephemeral loopback port with its own temp state dir. */
export async function startGateway(opts: StartOptions = {}): Promise<TestGateway> {
  const stateDir = opts.stateDir ?? (await mkdtemp(join(tmpdir(), "clawdbot-test-")));
  const paths = { stateDir, configPath: join(stateDir, "clawdbot.json") };
  const file: ConfigFile = opts.file ?? {};
  const config = resolveConfig(file, paths, opts.env ?? {}, { port: 0, canvasPort: 0, ...opts.flags });
  const logs = new LogRing();
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  const logger = createLogger({ level: process.env["TEST_LOG"] ? "debug" : "info", pretty: false, ring: logs, destination: process.env["TEST_LOG"] ? process.stderr : sink });
  const gateway = await Gateway.create({
    config,
    configFile: { path: paths.configPath, exists: false, hash: "", file },
    logger,
    logRing: logs,
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.channelTransports ? { channelTransports: opts.channelTransports } : {}),
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
      if (!opts.stateDir) await rm(stateDir, { recursive: true, force: true });
    },
  };
}

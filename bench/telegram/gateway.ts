/**
 * The gateway under test for the Telegram latency bench, alone in this process: the Telegram
 * channel on the fake Bot API at `apiRoot`, dmPolicy "open", the echo agent. Prints
 * {type:"ready", port, pid}; stops on {cmd:"stop"}, stdin close, SIGTERM or its deadline.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Gateway, createLogger, resolveConfig, type ConfigFile } from "@clawdbot/sidecar";
import { childConfig, emit, fail, listen, type Message } from "../lib/ipc.js";

export interface TelegramGatewayConfig {
  apiRoot: string;
  botToken: string;
  pollTimeoutSec: number;
  maxLifeMs: number;
}

async function main(): Promise<void> {
  const { apiRoot, botToken, pollTimeoutSec, maxLifeMs } = childConfig<TelegramGatewayConfig>();
  const stateDir = await mkdtemp(join(tmpdir(), "clawdbot-bench-tg-"));
  const paths = { stateDir, configPath: join(stateDir, "clawdbot.json") };
  const file: ConfigFile = {
    heartbeat: { enabled: false },
    channels: { telegram: { botToken, apiRoot, dmPolicy: "open", pollTimeoutSec } },
  };
  const config = resolveConfig(file, paths, {}, { port: 0 });
  // Warnings only, on stderr: per-message info lines would cost time and pollute the stdout channel.
  const logger = createLogger({ level: "warn", pretty: false, destination: process.stderr });
  const gateway = await Gateway.create({ config, configFile: { path: paths.configPath, exists: false, hash: "", file }, logger });
  const { port } = await gateway.listen();
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await gateway.stop("bench done");
    await rm(stateDir, { recursive: true, force: true });
    process.exit(0);
  };
  listen(
    (cmd: Message) => {
      if (cmd["cmd"] === "stop") void stop();
    },
    () => void stop(),
    maxLifeMs,
  );
  emit({ type: "ready", port, pid: process.pid });
}

main().catch(fail);

/**
 * The gateway under test, alone in this process. Prints {type:"ready", port}; answers
 * {cmd:"mem"} with a GC'd memoryUsage(); stops on {cmd:"stop"}, stdin close, SIGTERM or its deadline.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Gateway, createLogger, resolveConfig, type ConfigFile } from "@clawdbot/sidecar";
import { childConfig, emit, fail, listen, type Message } from "../lib/ipc.js";
import { memorySnapshot } from "../lib/memory.js";

interface GatewayServerConfig {
  maxLifeMs: number;
}

async function main(): Promise<void> {
  const { maxLifeMs } = childConfig<GatewayServerConfig>();
  const stateDir = await mkdtemp(join(tmpdir(), "clawdbot-bench-"));
  const paths = { stateDir, configPath: join(stateDir, "clawdbot.json") };
  const file: ConfigFile = { gateway: { authRateLimit: { maxFailures: 100_000 } } };
  const config = resolveConfig(file, paths, {}, { port: 0 });
  // Logs go to stderr at warn, so they neither pollute the stdout channel nor cost time.
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
      if (cmd["cmd"] === "mem") emit({ type: "mem", ...memorySnapshot() });
      else if (cmd["cmd"] === "stop") void stop();
    },
    () => void stop(),
    maxLifeMs,
  );
  emit({ type: "ready", port, pid: process.pid });
}

main().catch(fail);

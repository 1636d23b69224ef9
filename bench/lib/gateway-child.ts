import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Gateway, createLogger, resolveConfig, type ConfigFile } from "@clawdbot/sidecar";
import { emit, listen, type Message } from "./ipc.js";
import { memorySnapshot } from "./memory.js";

/**
 * Runs a gateway alone in this bench child on a fresh state dir and an ephemeral port: prints
 * {type:"ready", port, pid}; answers {cmd:"mem"} with a GC'd memoryUsage(); stops on {cmd:"stop"},
 * stdin close, SIGTERM or `maxLifeMs`. Logs only warnings, on stderr: info lines per connect or
 * message would cost time and pollute the stdout channel.
 */
export async function serveGatewayChild(file: ConfigFile, maxLifeMs: number, label: string): Promise<void> {
  const stateDir = await mkdtemp(join(tmpdir(), `clawdbot-bench-${label}-`));
  const paths = { stateDir, configPath: join(stateDir, "clawdbot.json") };
  const config = resolveConfig(file, paths, {}, { port: 0 });
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

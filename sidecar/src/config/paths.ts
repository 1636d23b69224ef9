import { homedir } from "node:os";
import { join, resolve } from "node:path";

export interface StatePaths {
  stateDir: string;
  configPath: string;
}

/** State dir: `CLAWDBOT_STATE_DIR` or `~/.clawdbot`; config: `--config`, `CLAWDBOT_CONFIG_PATH`, or `<stateDir>/clawdbot.json`. */
export function resolveStatePaths(env: Readonly<Record<string, string | undefined>>, configFlag?: string): StatePaths {
  const stateDir = resolve(env["CLAWDBOT_STATE_DIR"] || join(env["HOME"] || homedir(), ".clawdbot"));
  const configPath = resolve(configFlag || env["CLAWDBOT_CONFIG_PATH"] || join(stateDir, "clawdbot.json"));
  return { stateDir, configPath };
}

import { readFile } from "node:fs/promises";
import { createHash } from "node:crypto";
import JSON5 from "json5";
import type { ConfigFile } from "./schema.js";
import { ConfigError } from "./errors.js";
import { configProblems } from "./problems.js";

export interface LoadedConfigFile {
  path: string;
  exists: boolean;
  hash: string;
  file: ConfigFile;
}

/** Parses and validates JSON5 config text; throws ConfigError naming the file and the bad key. */
export function parseConfigText(path: string, text: string): ConfigFile {
  let parsed: unknown;
  try {
    parsed = JSON5.parse(text);
  } catch (err) {
    throw new ConfigError(`${path}: not valid JSON5: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new ConfigError(`${path}: the top level must be an object`);
  }
  const problems = configProblems(parsed);
  if (problems.length > 0) throw ConfigError.all(path, problems);
  return parsed as ConfigFile;
}

/**
 * Reads the config file; a missing file is an empty config unless `required` (a path the user
 * named), any other problem is a ConfigError.
 */
export async function loadConfigFile(path: string, opts: { required?: boolean } = {}): Promise<LoadedConfigFile> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      if (opts.required) throw new ConfigError(`${path}: no such config file; create it, or leave out --config (and CLAWDBOT_CONFIG_PATH) to use the state dir's clawdbot.json`);
      return { path, exists: false, hash: "", file: {} };
    }
    throw new ConfigError(`${path}: cannot read config: ${(err as Error).message}`);
  }
  const file = parseConfigText(path, text);
  return { path, exists: true, hash: createHash("sha256").update(text).digest("hex"), file };
}

import { readFile } from "node:fs/promises";
import { createHash } from "node:crypto";
import JSON5 from "json5";
import { check } from "@clawdbot/protocol";
import { ConfigFileSchema, type ConfigFile } from "./schema.js";
import { ConfigError } from "./errors.js";

export interface LoadedConfigFile {
  path: string;
  exists: boolean;
  hash: string;
  file: ConfigFile;
}

/** Turns an ajv path like `/gateway/port` into `gateway.port`. */
function keyName(path: string): string {
  return path === "(root)" ? "(top level)" : path.slice(1).replace(/\//g, ".");
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
  const res = check(ConfigFileSchema, parsed);
  if (!res.ok) {
    const issue = res.issues[0];
    const where = issue ? keyName(issue.path) : "(unknown)";
    throw new ConfigError(`${path}: invalid config at ${where}: ${issue?.message ?? "invalid"}`);
  }
  return res.value;
}

/** Reads the config file; a missing file is an empty config, any other problem is a ConfigError. */
export async function loadConfigFile(path: string): Promise<LoadedConfigFile> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { path, exists: false, hash: "", file: {} };
    throw new ConfigError(`${path}: cannot read config: ${(err as Error).message}`);
  }
  const file = parseConfigText(path, text);
  return { path, exists: true, hash: createHash("sha256").update(text).digest("hex"), file };
}

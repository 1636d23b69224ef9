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

/** A problem in a config file, at a dotted key path. */
export interface ConfigIssue {
  path: string;
  message: string;
}

/** Parses and validates JSON5 config text: the file, or every problem found (each naming its key). */
export function checkConfigText(text: string): { ok: true; file: ConfigFile } | { ok: false; issues: ConfigIssue[] } {
  let parsed: unknown;
  try {
    parsed = JSON5.parse(text);
  } catch (err) {
    return { ok: false, issues: [{ path: "(file)", message: `not valid JSON5: ${(err as Error).message}` }] };
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    return { ok: false, issues: [{ path: "(top level)", message: "the top level must be an object" }] };
  }
  const problems = configProblems(parsed);
  if (problems.length === 0) return { ok: true, file: parsed as ConfigFile };
  return { ok: false, issues: problems.map((p) => ({ path: p.startsWith("(top level)") ? "(top level)" : p.split(" ")[0]!, message: p })) };
}

/** Parses and validates JSON5 config text; throws ConfigError naming the file and the bad key. */
export function parseConfigText(path: string, text: string): ConfigFile {
  const res = checkConfigText(text);
  if (res.ok) return res.file;
  const first = res.issues[0]!;
  if (first.path === "(file)" || first.message === "the top level must be an object") throw new ConfigError(`${path}: ${first.message}`);
  throw ConfigError.all(path, res.issues.map((i) => i.message));
}

/** SHA-256 of config text: what config.get reports and writes compare as baseHash. */
export function configHash(text: string): string {
  return createHash("sha256").update(text).digest("hex");
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
  return { path, exists: true, hash: configHash(text), file };
}

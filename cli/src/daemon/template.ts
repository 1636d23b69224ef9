import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DaemonError } from "./errors.js";

const PLACEHOLDER = /\{\{([A-Z_]+)\}\}/g;

/** Reads `<dir>/<name>` (a file in the repository's `launchd/` folder). */
export function readTemplate(dir: string, name: string): string {
  try {
    return readFileSync(join(dir, name), "utf8");
  } catch (err) {
    throw new DaemonError("bad-template", `cannot read the service template ${join(dir, name)}: ${(err as Error).message}`);
  }
}

/**
 * Replaces every `{{NAME}}` with `values.NAME`, which the caller has already escaped for the format.
 * A placeholder without a value, or a value without a placeholder, means template and code drifted apart.
 */
export function fillTemplate(name: string, text: string, values: Readonly<Record<string, string>>): string {
  const used = new Set<string>();
  const out = text.replace(PLACEHOLDER, (_m, key: string) => {
    const value = values[key];
    if (value === undefined) throw new DaemonError("bad-template", `template ${name} has {{${key}}}, which clawdbot does not fill`);
    used.add(key);
    return value;
  });
  const unused = Object.keys(values).filter((k) => !used.has(k));
  if (unused.length > 0) throw new DaemonError("bad-template", `template ${name} lacks {{${unused.join("}}, {{")}}}`);
  return out;
}

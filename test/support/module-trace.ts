import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const REGISTER = fileURLToPath(new URL("./module-trace/register.mjs", import.meta.url));

/** Environment that makes a child Node process record every module it loads into `file`. */
export function moduleTraceEnv(file: string): Record<string, string> {
  return { NODE_OPTIONS: `--import ${REGISTER}`, CLAWDBOT_MODULE_TRACE: file };
}

/** Every module recorded in `file`, once each. */
export async function loadedModules(file: string): Promise<Set<string>> {
  return new Set((await readFile(file, "utf8")).split("\n").filter(Boolean));
}

/** The npm packages (by name) among the modules recorded in `file`. */
export async function loadedPackages(file: string): Promise<Set<string>> {
  const urls = await loadedModules(file);
  const names = new Set<string>();
  for (const url of urls) {
    const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (m?.[1]) names.add(m[1]);
  }
  return names;
}

/** A trace file inside `dir`. */
export function traceFile(dir: string): string {
  return join(dir, "modules.trace");
}

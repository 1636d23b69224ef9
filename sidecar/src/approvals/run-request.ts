/** The parts of `system.run` params that approvals look at. */
export interface RunRequest {
  argv: string[];
  cwd: string | undefined;
  agentId: string | undefined;
  sessionKey: string | undefined;
}

/** Reads system.run params: `argv`, or the reference clients' `command` array; undefined when neither is a string list. */
export function readRunRequest(params: unknown): RunRequest | undefined {
  if (params === null || typeof params !== "object") return undefined;
  const p = params as Record<string, unknown>;
  const argv = isArgv(p["argv"]) ? p["argv"] : isArgv(p["command"]) ? p["command"] : undefined;
  if (!argv) return undefined;
  const str = (k: string) => (typeof p[k] === "string" && p[k] !== "" ? (p[k] as string) : undefined);
  return { argv, cwd: str("cwd"), agentId: str("agentId"), sessionKey: str("sessionKey") };
}

/** argv as one line for a person to read (quoted where a shell would need it). */
export function commandText(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(" ");
}

function isArgv(v: unknown): v is string[] {
  return Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === "string");
}

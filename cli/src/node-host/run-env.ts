/**
 * What a caller may put into a program's environment through `system.run`. Only names the node's
 * own config lists are accepted (an allow-list: a deny-list always misses a way to load code, as
 * `BASH_FUNC_name%%` showed). Names that make a loader, a shell or an interpreter run other code
 * can never be set, not even when the node's config lists them.
 */

/** A plain variable name; anything else (`BASH_FUNC_x%%`, `a=b`, lower case) is refused. */
export const PLAIN_ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

/** Prefixes of variables that load code or change how programs start. */
const NEVER_PREFIXES = [
  "BASH_FUNC_",
  "LD_",
  "DYLD_",
  "NODE_",
  "PYTHON",
  "PERL",
  "RUBY",
  "JAVA_",
  "_JAVA_",
  "JDK_",
  "LUA_",
  "GIT_",
  "GCONV_",
  "MALLOC_",
  "OPENSSL_",
] as const;

/** Exact names of variables that load code, change lookup or make a shell execute strings. */
const NEVER_NAMES = new Set([
  "PATH",
  "ENV",
  "BASH_ENV",
  "SHELLOPTS",
  "BASHOPTS",
  "PS1",
  "PS2",
  "PS3",
  "PS4",
  "PROMPT_COMMAND",
  "IFS",
  "CDPATH",
  "GLOBIGNORE",
  "HOME",
  "ZDOTDIR",
  "XDG_CONFIG_HOME",
  "SHELL",
  "EDITOR",
  "VISUAL",
  "PAGER",
  "BROWSER",
  "LOCPATH",
  "NLSPATH",
  "HOSTALIASES",
  "TCLLIBPATH",
  "PHPRC",
  "PHP_INI_SCAN_DIR",
  "TMPDIR",
]);

/** Why a caller can never set `name`, or undefined when it is an ordinary name. */
export function neverSettable(name: string): string | undefined {
  if (!PLAIN_ENV_NAME.test(name)) return "not a plain variable name";
  if (NEVER_NAMES.has(name)) return "it changes how programs start or load code";
  const prefix = NEVER_PREFIXES.find((p) => name.startsWith(p));
  return prefix === undefined ? undefined : `${prefix}* variables load code into programs`;
}

/** Names in a config's allow-list that no caller may ever set, each with its reason. */
export function unusableAllowNames(names: readonly string[]): string[] {
  return names.flatMap((n) => {
    const why = neverSettable(n);
    return why === undefined ? [] : [`${JSON.stringify(n)} (${why})`];
  });
}

/** The caller's variables this node accepts, or the list of refusals (one line each). */
export function checkCallerEnv(env: Readonly<Record<string, string>>, allow: ReadonlySet<string>): { ok: true } | { ok: false; refused: string[] } {
  const refused: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    const why = neverSettable(name);
    if (why !== undefined) refused.push(`${JSON.stringify(name)}: ${why}`);
    else if (!allow.has(name)) refused.push(`${JSON.stringify(name)}: not in this node's systemRun.envAllow`);
    else if (value.includes("\0")) refused.push(`${JSON.stringify(name)}: the value contains NUL`);
  }
  return refused.length === 0 ? { ok: true } : { ok: false, refused };
}

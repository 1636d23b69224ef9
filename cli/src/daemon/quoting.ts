import { DaemonError } from "./errors.js";

// Escaping for the two service file formats. Values come from paths and flags, so a space, `&`, `%`
// or quote in a home directory must come out as the same string when launchd or systemd reads it.

const CONTROL = /[\u0000-\u001f\u007f]/;

/** Text for an XML element body (plist `<string>`): the five XML entities escaped, control characters refused. */
export function xmlText(value: string, what: string): string {
  refuseControl(value, what);
  return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");
}

/**
 * One double-quoted word for `ExecStart=` / `Environment=` (systemd.syntax "Quoting"): backslash and
 * `"` backslash-escaped, `%` doubled (specifiers); in ExecStart `$` is doubled too (variable expansion).
 */
export function systemdWord(value: string, what: string, opts: { dollars: boolean }): string {
  refuseControl(value, what);
  let out = value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/%/g, "%%");
  if (opts.dollars) out = out.replace(/\$/g, "$$$$");
  return `"${out}"`;
}

/** A path setting systemd takes verbatim (`WorkingDirectory=`): only specifiers are expanded, and ends are trimmed. */
export function systemdPath(value: string, what: string): string {
  refuseControl(value, what);
  if (value.trim() !== value) throw new DaemonError("unsafe-value", `${what} ${JSON.stringify(value)} starts or ends with whitespace, which systemd would drop`);
  return value.replace(/%/g, "%%");
}

/** systemd refuses an executable path holding a quote, backslash or `$` ("Executable name contains special characters"). */
export function systemdExecutable(value: string, what: string): string {
  if (/["'\\$]/.test(value)) {
    throw new DaemonError("unsafe-value", `systemd cannot run ${what} ${value}: its path contains a quote, backslash or $; install Node.js under a plainer path`);
  }
  return systemdWord(value, what, { dollars: true });
}

function refuseControl(value: string, what: string): void {
  if (CONTROL.test(value)) throw new DaemonError("unsafe-value", `${what} ${JSON.stringify(value)} contains a control character`);
}

/** A command line as a POSIX shell would take it, for printing (`--dry-run`, errors): odd words single-quoted. */
export function shellLine(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(" ");
}

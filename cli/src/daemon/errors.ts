import { shellLine } from "./shell-line.js";

/** Why a `clawdbot daemon` command failed; `code` is the stable `--json` error code. */
export class DaemonError extends Error {
  constructor(
    readonly code: "unsupported-platform" | "wrong-platform" | "not-installed" | "command-failed" | "unsafe-value" | "bad-template" | "invalid-token",
    message: string,
  ) {
    super(message);
    this.name = "DaemonError";
  }
}

/** A supervisor command (launchctl, systemctl, journalctl, tail) exited non-zero or could not start. */
export class CommandFailedError extends DaemonError {
  constructor(
    readonly argv: readonly string[],
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super("command-failed", describeFailure(argv, exitCode, stderr));
  }
}

function describeFailure(argv: readonly string[], exitCode: number | null, stderr: string): string {
  const reason = oneLine(stderr) || (exitCode === null ? "killed" : `exit ${exitCode}`);
  const hint = /Failed to connect to (user scope )?bus|DBUS_SESSION_BUS_ADDRESS|XDG_RUNTIME_DIR/.test(stderr)
    ? " (no systemd user session here: log in to a desktop or SSH session of this user, or run `loginctl enable-linger $USER` as an admin)"
    : "";
  return `\`${shellLine(argv)}\` failed: ${reason}${hint}`;
}

/** stderr folded to one line and cut short: errors are one line. */
function oneLine(text: string): string {
  const folded = text.split("\n").map((l) => l.trim()).filter(Boolean).join(" / ");
  return folded.length > 300 ? `${folded.slice(0, 297)}...` : folded;
}

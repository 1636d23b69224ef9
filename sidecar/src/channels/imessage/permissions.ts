import { permissionState, type PermissionProbeDeps } from "../../platform/mac-permissions.js";

const DENIED = /Full Disk Access|authorization denied|unable to open database|operation not permitted|permission denied/i;

/** True when imsg's output says it could not open the Messages database. */
export function looksLikeDatabaseDenied(lines: readonly string[]): boolean {
  return lines.some((l) => DENIED.test(l));
}

/**
 * Names the missing Full Disk Access permission and the program that needs it: the process that
 * runs the gateway (under launchd, that binary itself, not the terminal it was installed from), or
 * on another Mac whatever runs imsg there.
 */
export async function explainDatabaseDenied(opts: {
  platform: NodeJS.Platform;
  execPath: string;
  remote: boolean;
  dbPath: string | undefined;
  probe?: PermissionProbeDeps["load"];
}): Promise<string> {
  const db = opts.dbPath ?? "~/Library/Messages/chat.db";
  if (opts.remote || opts.platform !== "darwin") {
    return `imsg cannot read the Messages database (${db}): Full Disk Access is missing on the Mac that runs imsg. Grant it to the program that starts imsg there (for SSH: /usr/libexec/sshd-keygen-wrapper) in System Settings → Privacy & Security → Full Disk Access.`;
  }
  const state = await permissionState("full-disk-access", { platform: opts.platform, ...(opts.probe ? { load: opts.probe } : {}) });
  const grant = `System Settings → Privacy & Security → Full Disk Access → add ${opts.execPath} (the program that runs the gateway under launchd), then restart the gateway`;
  if (state === "authorized") return `imsg cannot read the Messages database (${db}) although macOS reports Full Disk Access for ${opts.execPath}; if imsg runs under another program, grant it there too: ${grant}.`;
  const known = state === "unknown" ? "" : ` (macOS reports: ${state})`;
  return `imsg cannot read the Messages database (${db}): Full Disk Access is missing${known}. ${grant}.`;
}

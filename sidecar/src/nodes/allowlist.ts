const CANVAS = ["canvas.present", "canvas.hide", "canvas.navigate", "canvas.eval", "canvas.snapshot", "canvas.a2ui.push", "canvas.a2ui.reset"];
const DEVICE = ["camera.snap", "camera.clip", "screen.record", "location.get"];
/** Everything a host with system.run offers: which finds programs, the policy pair is reached only via exec.approvals.node.*. */
const RUN = ["system.run", "system.which", "system.execApprovals.get", "system.execApprovals.set"];

/** Commands the gateway routes to a node of each platform unless config says otherwise. */
export const DEFAULT_NODE_COMMANDS: Readonly<Record<string, readonly string[]>> = {
  macos: [...CANVAS, ...DEVICE, "system.info", ...RUN, "system.notify"],
  ios: [...CANVAS, ...DEVICE, "system.info"],
  android: [...CANVAS, ...DEVICE, "system.info"],
  // system.notify on Linux needs notify-send; the node host declares it only where that exists.
  linux: [...CANVAS, "system.info", ...RUN, "system.notify"],
  windows: [...CANVAS, "system.info", ...RUN],
  other: [...CANVAS, "system.info"],
};

/** Maps the many spellings of a platform (darwin, macOS 15.1, iPadOS, …) to a key of the defaults. */
export function platformKey(platform: string | undefined): string {
  const p = (platform ?? "").toLowerCase();
  if (p.startsWith("darwin") || p.startsWith("mac")) return "macos";
  if (p.startsWith("ios") || p.startsWith("ipados")) return "ios";
  if (p.startsWith("android")) return "android";
  if (p.startsWith("linux")) return "linux";
  if (p.startsWith("win")) return "windows";
  return "other";
}

/** Effective commands = what the node declares ∩ (platform defaults + allowCommands − denyCommands). */
export function effectiveCommands(
  platform: string | undefined,
  declared: readonly string[],
  cfg: { allowCommands: readonly string[]; denyCommands: readonly string[] },
): string[] {
  const allowed = new Set([...(DEFAULT_NODE_COMMANDS[platformKey(platform)] ?? []), ...cfg.allowCommands]);
  for (const d of cfg.denyCommands) allowed.delete(d);
  return [...new Set(declared)].filter((c) => allowed.has(c));
}

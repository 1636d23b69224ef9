import type { PermissionName, PermissionState, PermissionStatus } from "@clawdbot/protocol/companion";

/**
 * The part of `node-mac-permissions` the probe uses: `getAuthStatus(type)` answers
 * "authorized", "denied", "not determined", "restricted" or "limited".
 */
export interface PermissionBackend {
  getAuthStatus(type: string): string;
}

/** What this machine allows the companion and the node host to do. */
export interface PermissionProbe {
  /** False off macOS: every permission is "not-applicable". */
  readonly applicable: boolean;
  /** Why nothing could be asked (the native module did not load), if so. */
  readonly unavailable: string | undefined;
  /** The state of every permission, asked now (a user may grant one while we run). */
  check(): PermissionState[];
}

interface PermissionSpec {
  name: PermissionName;
  label: string;
  /** node-mac-permissions' name for it. */
  backendType: string;
  /** Node commands that cannot work without it. */
  commands: string[];
  /** The System Settings privacy pane (x-apple.systempreferences URL anchor). */
  pane: string;
}

/** The six permissions the companion shows, in menu order. */
export const PERMISSIONS: readonly PermissionSpec[] = [
  { name: "camera", label: "Camera", backendType: "camera", commands: ["camera.snap"], pane: "Privacy_Camera" },
  { name: "microphone", label: "Microphone", backendType: "microphone", commands: [], pane: "Privacy_Microphone" },
  { name: "screen-recording", label: "Screen Recording", backendType: "screen", commands: ["screen.record"], pane: "Privacy_ScreenCapture" },
  { name: "location", label: "Location", backendType: "location", commands: ["location.get"], pane: "Privacy_LocationServices" },
  { name: "accessibility", label: "Accessibility", backendType: "accessibility", commands: [], pane: "Privacy_Accessibility" },
  { name: "full-disk-access", label: "Full Disk Access", backendType: "full-disk-access", commands: [], pane: "Privacy_AllFiles" },
];

/** The System Settings page where the user grants `name`. */
export function settingsUrl(name: PermissionName): string {
  const spec = PERMISSIONS.find((p) => p.name === name)!;
  return `x-apple.systempreferences:com.apple.preference.security?${spec.pane}`;
}

/** The permission a node command needs, if any. */
export function permissionFor(command: string): PermissionSpec | undefined {
  return PERMISSIONS.find((p) => p.commands.includes(command));
}

const STATUS: Record<string, PermissionStatus> = {
  authorized: "granted",
  limited: "granted",
  denied: "denied",
  "not determined": "not-determined",
  restricted: "restricted",
};

/** A probe over a loaded backend (the real module, or a fake in tests). */
export function backendProbe(backend: PermissionBackend): PermissionProbe {
  return {
    applicable: true,
    unavailable: undefined,
    check: () => PERMISSIONS.map((p) => state(p, statusOf(backend, p.backendType))),
  };
}

/** Off macOS, or on a Mac where the native module could not load: nothing is asked. */
export function fixedProbe(applicable: boolean, unavailable: string | undefined): PermissionProbe {
  const status: PermissionStatus = applicable ? "unknown" : "not-applicable";
  return { applicable, unavailable, check: () => PERMISSIONS.map((p) => state(p, status)) };
}

/**
 * The probe for this machine: on darwin `node-mac-permissions` (an optional dependency, a native
 * addon npm builds only on macOS) loaded on first use; elsewhere "not applicable".
 */
export async function loadPermissionProbe(
  platform: NodeJS.Platform,
  load: () => Promise<unknown> = () => import("node-mac-permissions" as string),
): Promise<PermissionProbe> {
  if (platform !== "darwin") return fixedProbe(false, undefined);
  try {
    const mod = (await load()) as { default?: PermissionBackend } & Partial<PermissionBackend>;
    const backend = typeof mod.getAuthStatus === "function" ? (mod as PermissionBackend) : mod.default;
    if (!backend || typeof backend.getAuthStatus !== "function") throw new Error("it has no getAuthStatus()");
    return backendProbe(backend);
  } catch (err) {
    return fixedProbe(true, `node-mac-permissions could not be loaded (${(err as Error).message.split("\n")[0]}); reinstall on this Mac with \`npm ci\``);
  }
}

function statusOf(backend: PermissionBackend, type: string): PermissionStatus {
  try {
    return STATUS[backend.getAuthStatus(type)] ?? "unknown";
  } catch {
    return "unknown";
  }
}

function state(p: PermissionSpec, status: PermissionStatus): PermissionState {
  return { name: p.name, label: p.label, status, neededFor: [...p.commands] };
}

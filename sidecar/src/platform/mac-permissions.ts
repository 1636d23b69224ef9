/**
 * macOS privacy permissions as the system reports them, through `node-mac-permissions` when that
 * optional native module is installed (it is loaded on first use only; elsewhere: "unknown").
 */
export type PermissionState = "authorized" | "denied" | "restricted" | "not determined" | "unknown";

export type MacPermission = "full-disk-access" | "automation" | "accessibility" | "screen" | "camera" | "microphone";

/** What a permission probe needs: the platform and a way to load the optional module. */
export interface PermissionProbeDeps {
  platform: NodeJS.Platform;
  load?: () => Promise<{ getAuthStatus(type: string): string } | undefined>;
}

async function loadModule(): Promise<{ getAuthStatus(type: string): string } | undefined> {
  // A variable specifier: the module is optional and never bundled or type-checked against.
  const name = "node-mac-permissions";
  try {
    const mod = (await import(name)) as { getAuthStatus?: unknown; default?: { getAuthStatus?: unknown } };
    const api = typeof mod.getAuthStatus === "function" ? mod : mod.default;
    return typeof api?.getAuthStatus === "function" ? (api as { getAuthStatus(type: string): string }) : undefined;
  } catch {
    return undefined;
  }
}

/** The system's answer for one permission of this process; "unknown" off macOS or without the module. */
export async function permissionState(permission: MacPermission, deps: PermissionProbeDeps): Promise<PermissionState> {
  if (deps.platform !== "darwin") return "unknown";
  const mod = await (deps.load ?? loadModule)();
  if (!mod) return "unknown";
  try {
    const s = mod.getAuthStatus(permission);
    return s === "authorized" || s === "denied" || s === "restricted" || s === "not determined" ? s : "unknown";
  } catch {
    return "unknown";
  }
}

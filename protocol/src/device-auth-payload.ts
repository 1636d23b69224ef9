// The string a device signs in `connect`. No node: imports, so browser pages bundle it too.

export interface DeviceAuthFields {
  deviceId: string;
  clientId: string;
  clientMode: string;
  role: string;
  scopes: readonly string[];
  signedAtMs: number;
  token: string;
  /** Present for v2 (challenge-bound) signatures; absent for the legacy v1 form. */
  nonce?: string;
}

/** The exact UTF-8 string a device signs in `connect` (v2 with nonce, v1 without). */
export function deviceAuthPayload(f: DeviceAuthFields): string {
  const base = [f.deviceId, f.clientId, f.clientMode, f.role, f.scopes.join(","), String(f.signedAtMs), f.token];
  return f.nonce === undefined ? ["v1", ...base].join("|") : ["v2", ...base, f.nonce].join("|");
}

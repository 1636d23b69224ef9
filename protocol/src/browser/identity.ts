// A browser page's device identity: an ed25519 key pair kept in the page's storage, its id, the
// device token the gateway issued to it, and the v2 signature a connect carries. Each page keeps
// its own identity under its own storage prefix (WebChat and the Control UI are separate devices).

import { deviceAuthPayload } from "../device-auth-payload.js";
import { fromBase64, sha256, toBase64, toBase64Url, toHex, type Digester } from "./encoding.js";

/** localStorage, or anything with the same three methods. */
export interface PageStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

interface KeyPair {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

/** The ed25519 operations a page needs (tweetnacl's `nacl` satisfies it). */
export interface Ed25519 {
  sign: {
    keyPair: { (): KeyPair; fromSecretKey(secretKey: Uint8Array): KeyPair };
    detached(message: Uint8Array, secretKey: Uint8Array): Uint8Array;
  };
}

export interface BrowserIdentity {
  deviceId: string;
  /** Raw 32-byte public key, base64url without padding. */
  publicKey: string;
  secretKey: Uint8Array;
}

/** Where a page keeps its key pair and device token. */
export interface IdentityKeys {
  identity: string;
  deviceToken: string;
}

/** Storage keys under a page's prefix, e.g. `clawdbot.webchat` → `clawdbot.webchat.identity`. */
export function identityKeys(prefix: string): IdentityKeys {
  return { identity: `${prefix}.identity`, deviceToken: `${prefix}.deviceToken` };
}

/**
 * The key pair stored under `keys.identity` (`{version:1, secretKey:<base64 of 64 bytes>}`), or a new
 * one, stored. deviceId = lowercase hex SHA-256 of the raw 32-byte public key.
 */
export async function loadIdentity(storage: PageStorage, keys: IdentityKeys, nacl: Ed25519, subtle?: Digester | null): Promise<BrowserIdentity> {
  let secretKey = readSecretKey(storage, keys);
  if (!secretKey) {
    secretKey = nacl.sign.keyPair().secretKey;
    storage.setItem(keys.identity, JSON.stringify({ version: 1, secretKey: toBase64(secretKey) }));
  }
  const publicKey = nacl.sign.keyPair.fromSecretKey(secretKey).publicKey;
  const deviceId = toHex(await sha256(publicKey, subtle));
  return { deviceId, publicKey: toBase64Url(publicKey), secretKey };
}

function readSecretKey(storage: PageStorage, keys: IdentityKeys): Uint8Array | null {
  try {
    const stored = JSON.parse(storage.getItem(keys.identity) ?? "null") as { version?: unknown; secretKey?: unknown } | null;
    const key = stored && stored.version === 1 && typeof stored.secretKey === "string" ? fromBase64(stored.secretKey) : null;
    return key && key.length === 64 ? key : null;
  } catch {
    return null;
  }
}

/** The fields a connect's device signature covers besides the device id. */
export interface SignedFields {
  clientId: string;
  clientMode: string;
  role: string;
  scopes: readonly string[];
  signedAt: number;
  /** The `auth.token` sent with the connect, if any. */
  token: string | undefined;
  nonce: string;
}

/** `connect.params.device`, signed over this connect's fields and the challenge nonce (v2). */
export function signDevice(identity: BrowserIdentity, nacl: Ed25519, f: SignedFields): { id: string; publicKey: string; signature: string; signedAt: number; nonce: string } {
  const text = deviceAuthPayload({
    deviceId: identity.deviceId,
    clientId: f.clientId,
    clientMode: f.clientMode,
    role: f.role,
    scopes: f.scopes,
    signedAtMs: f.signedAt,
    token: f.token ?? "",
    nonce: f.nonce,
  });
  const signature = toBase64Url(nacl.sign.detached(new TextEncoder().encode(text), identity.secretKey));
  return { id: identity.deviceId, publicKey: identity.publicKey, signature, signedAt: f.signedAt, nonce: f.nonce };
}

/** A device token as the gateway issued it in `hello-ok.auth`. */
export interface StoredDeviceToken {
  token: string;
  role: string;
  scopes: string[];
}

/** The device token issued to this device for `role`, if one is stored. */
export function loadDeviceToken(storage: PageStorage, keys: IdentityKeys, deviceId: string, role: string): StoredDeviceToken | undefined {
  try {
    const s = JSON.parse(storage.getItem(keys.deviceToken) ?? "null") as Record<string, unknown> | null;
    if (!s || s["deviceId"] !== deviceId || s["role"] !== role || typeof s["token"] !== "string") return undefined;
    const scopes = Array.isArray(s["scopes"]) ? s["scopes"].filter((x): x is string => typeof x === "string") : [];
    return { token: s["token"], role, scopes };
  } catch {
    return undefined;
  }
}

/** Keeps `hello-ok.auth` (`{deviceToken, role, scopes}`) for the next connect. */
export function saveDeviceToken(storage: PageStorage, keys: IdentityKeys, deviceId: string, auth: { deviceToken: string; role: string; scopes: readonly string[] }): void {
  storage.setItem(keys.deviceToken, JSON.stringify({ deviceId, role: auth.role, scopes: auth.scopes, token: auth.deviceToken }));
}

export function clearDeviceToken(storage: PageStorage, keys: IdentityKeys): void {
  storage.removeItem(keys.deviceToken);
}

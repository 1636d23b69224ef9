import { verify as cryptoVerify, type KeyObject } from "node:crypto";
import {
  deviceAuthPayload,
  deviceIdFromRawKey,
  fromBase64Url,
  publicKeyObject,
  rawPublicKey,
  toBase64Url,
  type ConnectParams,
  type DeviceProof,
} from "@clawdbot/protocol";
import { GatewayError } from "../errors.js";

export const MAX_SIGNATURE_SKEW_MS = 10 * 60_000;

/** What a device public key (as sent) decodes to. */
export interface DeviceKey {
  raw: Buffer;
  /** Hex SHA-256 of the raw key: the only device id this key may claim. */
  deviceId: string;
  key: KeyObject;
}

/**
 * Decoded device keys by their wire form. Devices reconnect often, and decoding, hashing and
 * building a KeyObject cost about as much as the signature check itself. Bounded; oldest out first.
 */
export class DeviceKeys {
  private readonly keys = new Map<string, DeviceKey>();

  constructor(private readonly max = 4096) {}

  /** Keys remembered. */
  get size(): number {
    return this.keys.size;
  }

  /** The decoded key, or null when `publicKey` is not an ed25519 public key. */
  get(publicKey: string): DeviceKey | null {
    const hit = this.keys.get(publicKey);
    if (hit) return hit;
    const raw = rawPublicKey(publicKey);
    if (!raw) return null;
    const entry = { raw, deviceId: deviceIdFromRawKey(raw), key: publicKeyObject(raw) };
    // Only the canonical form is remembered: padded or PEM spellings of one key, sent before any
    // check, would otherwise let an unauthenticated client fill memory with long cache keys.
    if (toBase64Url(raw) !== publicKey) return entry;
    if (this.keys.size >= this.max) this.keys.delete(this.keys.keys().next().value as string);
    this.keys.set(publicKey, entry);
    return entry;
  }
}

export interface ProofContext {
  /** The nonce this socket was challenged with. */
  challengeNonce: string;
  keys: DeviceKeys;
  isLocal: boolean;
  now: number;
  role: string;
  scopes: readonly string[];
  token: string;
}

/**
 * Verifies `connect.params.device`; resolves with the raw public key, rejects with GatewayError
 * giving the precise reason. The signature check itself runs on libuv's thread pool, so a burst of
 * reconnecting devices does not stall the event loop (and uses a second core when there is one).
 */
export async function verifyDeviceProof(device: DeviceProof, client: ConnectParams["client"], ctx: ProofContext): Promise<Buffer> {
  const decoded = ctx.keys.get(device.publicKey);
  if (!decoded) throw new GatewayError("device_identity_mismatch", "device public key is not a valid ed25519 key");
  if (decoded.deviceId !== device.id) {
    throw new GatewayError("device_identity_mismatch", "device id does not match its public key (sha256 of the raw key)");
  }
  if (Math.abs(ctx.now - device.signedAt) > MAX_SIGNATURE_SKEW_MS) {
    throw new GatewayError("device_signature_expired", "device signature is older than 10 minutes; check this device's clock");
  }
  if (device.nonce === undefined && !ctx.isLocal) {
    throw new GatewayError("device_nonce_required", "remote clients must sign the connect.challenge nonce");
  }
  if (device.nonce !== undefined && device.nonce !== ctx.challengeNonce) {
    throw new GatewayError("device_nonce_mismatch", "device nonce does not match this connection's challenge");
  }
  const payload = deviceAuthPayload({
    deviceId: device.id,
    clientId: client.id,
    clientMode: client.mode,
    role: ctx.role,
    scopes: ctx.scopes,
    signedAtMs: device.signedAt,
    token: ctx.token,
    ...(device.nonce !== undefined ? { nonce: device.nonce } : {}),
  });
  const sig = fromBase64Url(device.signature);
  const ok = sig !== null && sig.length === 64 && (await signatureValid(Buffer.from(payload, "utf8"), decoded.key, sig));
  if (!ok) throw new GatewayError("device_signature_invalid", "device signature does not verify");
  return decoded.raw;
}

/** An OpenSSL error here (a key it cannot use) means the same as a mismatch: the proof fails. */
function signatureValid(data: Buffer, key: KeyObject, sig: Buffer): Promise<boolean> {
  return new Promise((resolve) => cryptoVerify(null, data, key, sig, (err, valid) => resolve(err === null && valid)));
}

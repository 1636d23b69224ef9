import { verify as cryptoVerify, type KeyObject } from "node:crypto";
import {
  deviceAuthPayload,
  deviceIdFromRawKey,
  fromBase64Url,
  publicKeyObject,
  rawPublicKey,
  type ConnectParams,
  type DeviceProof,
} from "@clawdbot/protocol";
import { GatewayError } from "../errors.js";

export const MAX_SIGNATURE_SKEW_MS = 10 * 60_000;

// Building a KeyObject from raw bytes costs about as much as the verify itself; devices reconnect often.
const keyCache = new Map<string, KeyObject>();
const KEY_CACHE_MAX = 4096;

function cachedKey(raw: Buffer): KeyObject {
  const id = raw.toString("base64");
  let key = keyCache.get(id);
  if (!key) {
    key = publicKeyObject(raw);
    if (keyCache.size >= KEY_CACHE_MAX) keyCache.delete(keyCache.keys().next().value as string);
    keyCache.set(id, key);
  }
  return key;
}

export interface ProofContext {
  /** The nonce this socket was challenged with. */
  challengeNonce: string;
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
  const raw = rawPublicKey(device.publicKey);
  if (!raw) throw new GatewayError("device_identity_mismatch", "device public key is not a valid ed25519 key");
  if (deviceIdFromRawKey(raw) !== device.id) {
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
  const ok = sig !== null && sig.length === 64 && (await signatureValid(Buffer.from(payload, "utf8"), cachedKey(raw), sig));
  if (!ok) throw new GatewayError("device_signature_invalid", "device signature does not verify");
  return raw;
}

/** An OpenSSL error here (a key it cannot use) means the same as a mismatch: the proof fails. */
function signatureValid(data: Buffer, key: KeyObject, sig: Buffer): Promise<boolean> {
  return new Promise((resolve) => cryptoVerify(null, data, key, sig, (err, valid) => resolve(err === null && valid)));
}

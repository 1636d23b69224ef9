import { generateKeyPairSync, createPrivateKey, sign as cryptoSign, type KeyObject } from "node:crypto";
import { deviceIdFromRawKey, fromBase64Url } from "../device-auth.js";

/** An ed25519 device identity: the id and public key go on the wire, the private key signs. */
export interface DeviceIdentity {
  readonly deviceId: string;
  /** Raw 32-byte public key, base64url without padding. */
  readonly publicKey: string;
  readonly privateKey: KeyObject;
}

/** Creates a fresh ed25519 identity. */
export function generateIdentity(): DeviceIdentity {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const x = publicKey.export({ format: "jwk" }).x;
  if (!x) throw new Error("ed25519 key export produced no public key");
  const raw = fromBase64Url(x);
  if (!raw) throw new Error("ed25519 key export produced an invalid public key");
  return { deviceId: deviceIdFromRawKey(raw), publicKey: x, privateKey };
}

/** Rebuilds an identity from its PEM (PKCS#8) private key. */
export function identityFromPem(pem: string): DeviceIdentity {
  const privateKey = createPrivateKey(pem);
  const x = privateKey.export({ format: "jwk" }).x;
  const raw = x ? fromBase64Url(x) : null;
  if (!x || !raw) throw new Error("not an ed25519 private key");
  return { deviceId: deviceIdFromRawKey(raw), publicKey: x, privateKey };
}

/** PEM form of the private key, for storing. */
export function identityToPem(id: DeviceIdentity): string {
  return id.privateKey.export({ format: "pem", type: "pkcs8" }).toString();
}

/** Signs a UTF-8 payload; returns base64url. */
export function signPayload(id: DeviceIdentity, payload: string): string {
  return cryptoSign(null, Buffer.from(payload, "utf8"), id.privateKey).toString("base64url");
}

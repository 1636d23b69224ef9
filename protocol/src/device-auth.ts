import { createHash, createPublicKey, type KeyObject } from "node:crypto";

/** Encodes bytes as base64url without padding. */
export function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64url");
}

/** Decodes base64url (padding tolerated); returns null on characters outside the alphabet. */
export function fromBase64Url(text: string): Buffer | null {
  const bare = text.replace(/=+$/, "");
  if (!/^[A-Za-z0-9_-]*$/.test(bare)) return null;
  return Buffer.from(bare, "base64url");
}

/** Device id = lowercase hex SHA-256 of the raw 32-byte ed25519 public key. */
export function deviceIdFromRawKey(raw: Uint8Array): string {
  return createHash("sha256").update(raw).digest("hex");
}

const ED25519_SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

/** Accepts base64url raw 32 bytes or a PEM SPKI key; returns the raw key or null. */
export function rawPublicKey(input: string): Buffer | null {
  if (input.includes("BEGIN PUBLIC KEY")) {
    try {
      const der = createPublicKey(input).export({ type: "spki", format: "der" });
      if (der.length !== 44 || !der.subarray(0, 12).equals(ED25519_SPKI_PREFIX)) return null;
      return Buffer.from(der.subarray(12));
    } catch {
      return null;
    }
  }
  const raw = fromBase64Url(input);
  return raw && raw.length === 32 ? raw : null;
}

/** Wraps a raw ed25519 public key as a node:crypto KeyObject. */
export function publicKeyObject(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: "der", type: "spki" });
}

export { deviceAuthPayload, type DeviceAuthFields } from "./device-auth-payload.js";

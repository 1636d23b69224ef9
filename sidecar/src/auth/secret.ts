import { createHash, timingSafeEqual } from "node:crypto";

/** SHA-256 digest of a secret; secrets are compared and stored only as digests. */
export function digest(secret: string): Buffer {
  return createHash("sha256").update(secret, "utf8").digest();
}

/** Constant-time comparison of a presented secret with a stored digest (fixed 32-byte inputs). */
export function secretMatches(presented: string | undefined, storedDigest: Buffer): boolean {
  if (presented === undefined) return false;
  return timingSafeEqual(digest(presented), storedDigest);
}

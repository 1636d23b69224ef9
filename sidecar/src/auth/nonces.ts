import { randomFillSync } from "node:crypto";

const NONCE_BYTES = 32;

/**
 * Challenge nonces (32 random bytes, base64url). Fills a pool from the CSPRNG once per `batch`
 * nonces: one randomFillSync per connect was a visible share of a handshake's cost.
 */
export class NonceSource {
  private readonly pool: Buffer;
  private offset: number;

  constructor(batch = 128) {
    this.pool = Buffer.alloc(NONCE_BYTES * batch);
    this.offset = this.pool.length;
  }

  /** A fresh nonce; no two calls share bytes. */
  next(): string {
    if (this.offset === this.pool.length) {
      randomFillSync(this.pool);
      this.offset = 0;
    }
    const nonce = this.pool.toString("base64url", this.offset, this.offset + NONCE_BYTES);
    this.offset += NONCE_BYTES;
    return nonce;
  }
}

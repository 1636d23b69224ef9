// This browser's device identity: an ed25519 key pair (tweetnacl) kept in localStorage, its id,
// the device token the gateway issued to it, and the v2 signature a connect carries.

export const IDENTITY_KEY = "clawdbot.webchat.identity";
export const TOKEN_KEY = "clawdbot.webchat.deviceToken";

/**
 * The key pair stored under IDENTITY_KEY (`{version:1, secretKey:<base64 of 64 bytes>}`), or a new
 * one, stored. deviceId = lowercase hex SHA-256 of the raw 32-byte public key.
 */
export async function loadIdentity(storage, nacl, subtle) {
  let secretKey = readSecretKey(storage);
  if (!secretKey) {
    secretKey = nacl.sign.keyPair().secretKey;
    storage.setItem(IDENTITY_KEY, JSON.stringify({ version: 1, secretKey: toBase64(secretKey) }));
  }
  const publicKey = nacl.sign.keyPair.fromSecretKey(secretKey).publicKey;
  const deviceId = toHex(await sha256(publicKey, subtle));
  return { deviceId, publicKey: toBase64Url(publicKey), secretKey };
}

function readSecretKey(storage) {
  try {
    const stored = JSON.parse(storage.getItem(IDENTITY_KEY) ?? "null");
    const key = stored && stored.version === 1 ? fromBase64(stored.secretKey) : null;
    return key && key.length === 64 ? key : null;
  } catch {
    return null;
  }
}

/** The string a v2 device signature covers (protocol: Device identity). */
export function deviceAuthPayload({ deviceId, clientId, clientMode, role, scopes, signedAt, token, nonce }) {
  return ["v2", deviceId, clientId, clientMode, role, scopes.join(","), String(signedAt), token ?? "", nonce].join("|");
}

/** `connect.params.device`, signed over this connect's fields and the challenge nonce. */
export function signDevice(identity, nacl, fields) {
  const payload = new TextEncoder().encode(deviceAuthPayload({ ...fields, deviceId: identity.deviceId }));
  const signature = toBase64Url(nacl.sign.detached(payload, identity.secretKey));
  return { id: identity.deviceId, publicKey: identity.publicKey, signature, signedAt: fields.signedAt, nonce: fields.nonce };
}

/** The device token issued to this device for `role`, if one is stored. */
export function loadDeviceToken(storage, deviceId, role) {
  try {
    const stored = JSON.parse(storage.getItem(TOKEN_KEY) ?? "null");
    const ok = stored && stored.deviceId === deviceId && stored.role === role && typeof stored.token === "string";
    return ok ? stored.token : undefined;
  } catch {
    return undefined;
  }
}

/** Keeps `hello-ok.auth` (`{deviceToken, role, scopes}`) for the next connect. */
export function saveDeviceToken(storage, deviceId, auth) {
  storage.setItem(TOKEN_KEY, JSON.stringify({ deviceId, role: auth.role, scopes: auth.scopes, token: auth.deviceToken }));
}

export function clearDeviceToken(storage) {
  storage.removeItem(TOKEN_KEY);
}

/** A random RFC 4122 version 4 UUID (crypto.randomUUID needs a secure context; this does not). */
export function uuid() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = toHex(b);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function toHex(bytes) {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

export function toBase64(bytes) {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

export function fromBase64(text) {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

export function toBase64Url(bytes) {
  return toBase64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** SHA-256 through WebCrypto; pages on plain http from a LAN address have no crypto.subtle, so a fallback. */
export async function sha256(bytes, subtle = globalThis.crypto?.subtle) {
  if (subtle) return new Uint8Array(await subtle.digest("SHA-256", bytes));
  return sha256Sync(bytes);
}

const H0 = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

const ror = (x, n) => (x >>> n) | (x << (32 - n));

/** FIPS 180-4 SHA-256 (the fallback above; tested against node:crypto). */
export function sha256Sync(bytes) {
  const blocks = new Uint8Array(Math.ceil((bytes.length + 9) / 64) * 64);
  blocks.set(bytes);
  blocks[bytes.length] = 0x80;
  const view = new DataView(blocks.buffer);
  view.setUint32(blocks.length - 8, Math.floor(bytes.length / 0x20000000));
  view.setUint32(blocks.length - 4, (bytes.length * 8) >>> 0);
  const h = Uint32Array.from(H0);
  const w = new Uint32Array(64);
  for (let off = 0; off < blocks.length; off += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getUint32(off + 4 * i);
    for (let i = 16; i < 64; i++) {
      const s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >>> 3);
      const s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >>> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    let [a, b, c, d, e, f, g, hh] = h;
    for (let i = 0; i < 64; i++) {
      const t1 = (hh + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i]) | 0;
      const t2 = ((ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += hh;
  }
  const out = new Uint8Array(32);
  const outView = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) outView.setUint32(4 * i, h[i]);
  return out;
}

import { join } from "node:path";
import { randomBytes, randomUUID } from "node:crypto";
import { digest, secretMatches } from "../auth/secret.js";
import { readJsonFile, writeJsonFile } from "../store/json-file.js";
import {
  PairedFileSchema,
  PendingFileSchema,
  type PairedDevice,
  type PendingRequest,
} from "./schema.js";

export const PENDING_TTL_MS = 5 * 60_000;

/** What a connecting device tells us about itself. */
export interface DeviceClaim {
  deviceId: string;
  publicKey: string;
  displayName?: string;
  platform?: string;
  clientId?: string;
  clientMode?: string;
  role: string;
  scopes: string[];
  remoteIp?: string;
}

/** Paired devices, their hashed tokens and pending pairing requests, kept in memory and persisted on change. */
export class DeviceStore {
  private writes: Promise<void> = Promise.resolve();

  private constructor(
    private readonly dir: string,
    private readonly now: () => number,
    private paired: Record<string, PairedDevice>,
    private pending: Record<string, PendingRequest>,
  ) {}

  /** Loads `<stateDir>/devices/`; throws StoreCorruptError rather than resetting a damaged file. */
  static async open(stateDir: string, now: () => number): Promise<DeviceStore> {
    const dir = join(stateDir, "devices");
    const paired = await readJsonFile(join(dir, "paired.json"), PairedFileSchema, { version: 1, devices: {} });
    const pending = await readJsonFile(join(dir, "pending.json"), PendingFileSchema, { version: 1, requests: {} });
    return new DeviceStore(dir, now, paired.devices, pending.requests);
  }

  get(deviceId: string): PairedDevice | undefined {
    return Object.prototype.hasOwnProperty.call(this.paired, deviceId) ? this.paired[deviceId] : undefined;
  }

  listPaired(): PairedDevice[] {
    return Object.values(this.paired);
  }

  listPending(): PendingRequest[] {
    this.prune();
    return Object.values(this.pending);
  }

  /** Returns the open request for this device or creates one (reused across repeated connects). */
  async requestPairing(claim: DeviceClaim, isRepair: boolean): Promise<{ request: PendingRequest; created: boolean }> {
    this.prune();
    const existing = Object.values(this.pending).find((r) => r.deviceId === claim.deviceId);
    if (existing && existing.publicKey === claim.publicKey && existing.role === claim.role) {
      return { request: existing, created: false };
    }
    if (existing) delete this.pending[existing.requestId];
    const request: PendingRequest = { requestId: randomUUID(), ...claim, ts: this.now(), ...(isRepair ? { isRepair } : {}) };
    this.pending[request.requestId] = request;
    await this.persist();
    return { request, created: true };
  }

  getPending(requestId: string): PendingRequest | undefined {
    this.prune();
    return Object.prototype.hasOwnProperty.call(this.pending, requestId) ? this.pending[requestId] : undefined;
  }

  /** Approves a pending request: the device becomes paired with the requested role and scopes. */
  async approve(requestId: string): Promise<PairedDevice | undefined> {
    const req = this.getPending(requestId);
    if (!req) return undefined;
    delete this.pending[requestId];
    const device = this.upsertPaired(req);
    await this.persist();
    return device;
  }

  /** Rejects and forgets a pending request. */
  async reject(requestId: string): Promise<PendingRequest | undefined> {
    const req = this.getPending(requestId);
    if (!req) return undefined;
    delete this.pending[requestId];
    await this.persist();
    return req;
  }

  /** Pairs a device directly (local auto-approval). */
  async pairDirect(claim: DeviceClaim): Promise<PairedDevice> {
    const device = this.upsertPaired(claim);
    await this.persist();
    return device;
  }

  /** Issues a fresh token for (device, role); only its hash is stored. Returns the plaintext once. */
  async issueToken(deviceId: string, role: string, scopes: string[]): Promise<{ token: string; issuedAtMs: number }> {
    const device = this.get(deviceId);
    if (!device) throw new Error(`device ${deviceId} is not paired`);
    const token = randomBytes(32).toString("base64url");
    const now = this.now();
    const prev = device.tokens[role];
    device.tokens[role] = {
      hash: digest(token).toString("hex"),
      scopes,
      createdAtMs: prev?.createdAtMs ?? now,
      ...(prev ? { rotatedAtMs: now } : {}),
    };
    await this.persist();
    return { token, issuedAtMs: now };
  }

  /** Marks the token of (device, role) revoked. */
  async revokeToken(deviceId: string, role: string): Promise<boolean> {
    const rec = this.get(deviceId)?.tokens[role];
    if (!rec || rec.revokedAtMs !== undefined) return false;
    rec.revokedAtMs = this.now();
    await this.persist();
    return true;
  }

  /** Constant-time check of a presented device token; returns its scopes when valid. */
  verifyToken(deviceId: string, role: string, token: string): string[] | null {
    const rec = this.get(deviceId)?.tokens[role];
    if (!rec || rec.revokedAtMs !== undefined) return null;
    if (!secretMatches(token, Buffer.from(rec.hash, "hex"))) return null;
    rec.lastUsedAtMs = this.now();
    return rec.scopes;
  }

  /** Records that a paired device connected (kept in memory; written with the next change). */
  touch(deviceId: string, remoteIp: string | undefined): void {
    const d = this.get(deviceId);
    if (!d) return;
    d.lastSeenAtMs = this.now();
    if (remoteIp) d.remoteIp = d.remoteIp ?? remoteIp;
  }

  private upsertPaired(claim: DeviceClaim): PairedDevice {
    const now = this.now();
    const prev = this.get(claim.deviceId);
    const device: PairedDevice = {
      deviceId: claim.deviceId,
      publicKey: claim.publicKey,
      roles: union(prev?.roles ?? [], [claim.role]),
      scopes: union(prev?.scopes ?? [], claim.scopes),
      createdAtMs: prev?.createdAtMs ?? now,
      approvedAtMs: now,
      tokens: prev?.tokens ?? {},
      ...optional("displayName", claim.displayName),
      ...optional("platform", claim.platform),
      ...optional("clientId", claim.clientId),
      ...optional("clientMode", claim.clientMode),
      ...optional("remoteIp", claim.remoteIp ?? prev?.remoteIp),
    };
    this.paired[claim.deviceId] = device;
    return device;
  }

  private prune(): void {
    const cutoff = this.now() - PENDING_TTL_MS;
    for (const [id, r] of Object.entries(this.pending)) if (r.ts < cutoff) delete this.pending[id];
  }

  /** Serializes writes so the files always reflect the latest in-memory state. */
  private persist(): Promise<void> {
    const run = async () => {
      await writeJsonFile(join(this.dir, "paired.json"), { version: 1, devices: this.paired });
      await writeJsonFile(join(this.dir, "pending.json"), { version: 1, requests: this.pending });
    };
    this.writes = this.writes.then(run, run);
    return this.writes;
  }
}

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])];
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}

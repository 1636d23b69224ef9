import { join } from "node:path";
import { randomBytes, randomUUID } from "node:crypto";
import { digest, secretMatches } from "../auth/secret.js";
import { LockedJsonFile } from "../store/locked-json.js";
import { DevicePairingFileSchema, type DevicePairingFile, type PairedDevice, type PendingRequest } from "./schema.js";
import { livePending, own, prunePending, sameSet } from "./records.js";

export { PENDING_TTL_MS } from "./records.js";

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

const emptyFile = (): DevicePairingFile => ({ version: 1, paired: {}, pending: {} });

/**
 * Paired devices, their hashed tokens and pending pairing requests in `<stateDir>/devices/pairing.json`.
 * Reads come from memory; every change is made under a cross-process lock on the freshest file.
 */
export class DeviceStore {
  /** last-seen / last-used times: kept in memory and folded into the next write, not written per connect. */
  private readonly usage = new Map<string, { seen?: number; tokens: Map<string, number> }>();

  private constructor(
    private readonly file: LockedJsonFile<typeof DevicePairingFileSchema>,
    private readonly now: () => number,
  ) {}

  /** Loads the store; throws StoreCorruptError rather than resetting a damaged file. */
  static async open(stateDir: string, now: () => number): Promise<DeviceStore> {
    const file = await LockedJsonFile.open(join(stateDir, "devices", "pairing.json"), DevicePairingFileSchema, emptyFile);
    return new DeviceStore(file, now);
  }

  /** Resolves once every change asked for so far is on disk (the gateway stops only after). */
  settled(): Promise<void> {
    return this.file.settled();
  }

  get(deviceId: string): PairedDevice | undefined {
    return own(this.file.data.paired, deviceId);
  }

  listPaired(): PairedDevice[] {
    return Object.values(this.file.data.paired);
  }

  /** Pending requests younger than the TTL. */
  listPending(): PendingRequest[] {
    return livePending(this.file.data.pending, this.now());
  }

  getPending(requestId: string): PendingRequest | undefined {
    return this.listPending().find((r) => r.requestId === requestId);
  }

  /** Re-reads the file (the CLI edited it while this process was not the writer). */
  reload(): Promise<void> {
    return this.file.reload();
  }

  /** Returns the open request for this device or creates one (reused across repeated connects). */
  async requestPairing(claim: DeviceClaim, isRepair: boolean): Promise<{ request: PendingRequest; created: boolean }> {
    const matches = (r: PendingRequest) =>
      r.deviceId === claim.deviceId && r.publicKey === claim.publicKey && r.role === claim.role && sameSet(r.scopes, claim.scopes);
    // A device waiting for approval reconnects every few seconds: reusing its request needs no write.
    const open = this.listPending().find(matches);
    if (open) return { request: open, created: false };
    return this.mutate((doc) => {
      const existing = Object.values(doc.pending).find((r) => r.deviceId === claim.deviceId);
      if (existing && matches(existing)) return { request: existing, created: false };
      if (existing) delete doc.pending[existing.requestId];
      const request: PendingRequest = { requestId: randomUUID(), ...claim, ts: this.now(), ...(isRepair ? { isRepair } : {}) };
      doc.pending[request.requestId] = request;
      return { request, created: true };
    });
  }

  /** Approves a pending request: the device becomes paired with the requested role and scopes. */
  approve(requestId: string): Promise<{ request: PendingRequest; device: PairedDevice } | undefined> {
    return this.mutate((doc) => {
      const request = own(doc.pending, requestId);
      if (!request) return undefined;
      delete doc.pending[requestId];
      return { request, device: this.upsert(doc, request) };
    });
  }

  /** Rejects and forgets a pending request. */
  reject(requestId: string): Promise<PendingRequest | undefined> {
    return this.mutate((doc) => {
      const request = own(doc.pending, requestId);
      if (request) delete doc.pending[requestId];
      return request;
    });
  }

  /** Pairs a device directly (local auto-approval). */
  pairDirect(claim: DeviceClaim): Promise<PairedDevice> {
    return this.mutate((doc) => {
      for (const r of Object.values(doc.pending)) if (r.deviceId === claim.deviceId) delete doc.pending[r.requestId];
      return this.upsert(doc, claim);
    });
  }

  /** Issues a fresh token for (device, role), replacing any previous one; only its hash is stored. */
  issueToken(deviceId: string, role: string, scopes: string[]): Promise<{ token: string; issuedAtMs: number }> {
    return this.mutate((doc) => {
      const device = own(doc.paired, deviceId);
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
      return { token, issuedAtMs: now };
    });
  }

  /** Revokes the token of (device, role) only if it is still `token` (a newer one is left alone). */
  withdrawToken(deviceId: string, role: string, token: string): Promise<boolean> {
    return this.mutate((doc) => {
      const rec = own(doc.paired, deviceId)?.tokens[role];
      if (!rec || rec.revokedAtMs !== undefined || !secretMatches(token, Buffer.from(rec.hash, "hex"))) return false;
      rec.revokedAtMs = this.now();
      return true;
    });
  }

  /** Marks the token of (device, role) revoked; returns false when there was no live token. */
  revokeToken(deviceId: string, role: string): Promise<boolean> {
    return this.mutate((doc) => {
      const rec = own(doc.paired, deviceId)?.tokens[role];
      if (!rec || rec.revokedAtMs !== undefined) return false;
      rec.revokedAtMs = this.now();
      return true;
    });
  }

  /** Constant-time check of a presented device token; returns its scopes when valid. */
  verifyToken(deviceId: string, role: string, token: string): string[] | null {
    const rec = this.get(deviceId)?.tokens[role];
    if (!rec || rec.revokedAtMs !== undefined) return null;
    if (!secretMatches(token, Buffer.from(rec.hash, "hex"))) return null;
    this.usageOf(deviceId).tokens.set(role, this.now());
    return rec.scopes;
  }

  /** Records that a paired device connected. */
  touch(deviceId: string): void {
    this.usageOf(deviceId).seen = this.now();
  }

  /** Last-seen time including connects not yet written. */
  lastSeen(deviceId: string): number | undefined {
    return this.usage.get(deviceId)?.seen ?? this.get(deviceId)?.lastSeenAtMs;
  }

  private usageOf(deviceId: string) {
    let u = this.usage.get(deviceId);
    if (!u) this.usage.set(deviceId, (u = { tokens: new Map() }));
    return u;
  }

  private mutate<T>(fn: (doc: DevicePairingFile) => T): Promise<T> {
    return this.file.mutate((doc) => {
      prunePending(doc.pending, this.now());
      this.foldUsage(doc);
      return fn(doc);
    });
  }

  private foldUsage(doc: DevicePairingFile): void {
    for (const [id, u] of this.usage) {
      const d = own(doc.paired, id);
      if (!d) continue;
      if (u.seen !== undefined) d.lastSeenAtMs = Math.max(d.lastSeenAtMs ?? 0, u.seen);
      for (const [role, at] of u.tokens) {
        const rec = d.tokens[role];
        if (rec) rec.lastUsedAtMs = Math.max(rec.lastUsedAtMs ?? 0, at);
      }
    }
    this.usage.clear();
  }

  private upsert(doc: DevicePairingFile, claim: DeviceClaim): PairedDevice {
    const now = this.now();
    const prev = own(doc.paired, claim.deviceId);
    const device: PairedDevice = {
      deviceId: claim.deviceId,
      publicKey: claim.publicKey,
      roles: union(prev?.roles ?? [], [claim.role]),
      scopes: union(prev?.scopes ?? [], claim.scopes),
      createdAtMs: prev?.createdAtMs ?? now,
      approvedAtMs: now,
      tokens: prev?.tokens ?? {},
      ...optional("displayName", claim.displayName ?? prev?.displayName),
      ...optional("platform", claim.platform ?? prev?.platform),
      ...optional("clientId", claim.clientId ?? prev?.clientId),
      ...optional("clientMode", claim.clientMode ?? prev?.clientMode),
      ...optional("remoteIp", prev?.remoteIp ?? claim.remoteIp),
      ...(prev?.lastSeenAtMs !== undefined ? { lastSeenAtMs: prev.lastSeenAtMs } : {}),
    };
    doc.paired[claim.deviceId] = device;
    return device;
  }
}

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])];
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}

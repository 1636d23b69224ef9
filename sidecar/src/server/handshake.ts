import {
  DEFAULT_OPERATOR_SCOPES,
  isOperatorScope,
  rawPublicKey,
  scopesCovered,
  type ConnectParams,
  type HelloAuth,
  type Role,
} from "@clawdbot/protocol";
import type { Logger } from "pino";
import type { GatewayConfig } from "../config/index.js";
import { digest, secretMatches } from "../auth/secret.js";
import { DeviceKeys, verifyDeviceProof } from "../auth/device-proof.js";
import { RateLimited, type FailureRateLimiter } from "../auth/rate-limiter.js";
import type { PeerInfo } from "../auth/locality.js";
import type { DeviceStore, DeviceClaim } from "../pairing/device-store.js";
import type { PendingRequest } from "../pairing/schema.js";
import { GatewayError, type Reason } from "../errors.js";

/** The identity a connection holds after a successful connect. */
export interface Authenticated {
  role: Role;
  scopes: string[];
  deviceId: string | undefined;
  /** A device token issued on this connect (sent once in hello-ok.auth). */
  issued: HelloAuth | undefined;
  /** The connect was let in by a device token (not the gateway secret or a signature alone). */
  viaDeviceToken: boolean;
}

export interface HandshakeDeps {
  config: GatewayConfig;
  /** The current config (auto-approval follows reloads; secrets are fixed at start). */
  current: () => GatewayConfig;
  devices: DeviceStore;
  limiter: FailureRateLimiter;
  now: () => number;
  log: Logger;
  onPairingRequested: (req: PendingRequest) => void;
}

const FAILURES: ReadonlySet<Reason> = new Set<Reason>([
  "token_mismatch",
  "password_mismatch",
  "device_token_invalid",
  "device_signature_invalid",
  "device_signature_expired",
  "device_identity_mismatch",
  "device_nonce_mismatch",
]);

/** Authenticates a validated connect: rate limit → shared secret → device proof → device token → pairing → grant. */
export class Handshake {
  private readonly keys = new DeviceKeys();
  private readonly tokenDigest: Buffer | undefined;
  private readonly passwordDigest: Buffer | undefined;

  constructor(private readonly deps: HandshakeDeps) {
    const { token, password } = deps.config.auth;
    this.tokenDigest = token === undefined ? undefined : digest(token);
    this.passwordDigest = password === undefined ? undefined : digest(password);
  }

  async authenticate(params: ConnectParams, peer: PeerInfo, challengeNonce: string): Promise<Authenticated> {
    try {
      return await this.deps.limiter.run(
        peer.remoteIp,
        () => this.run(params, peer, challengeNonce),
        (err) => err instanceof GatewayError && FAILURES.has(err.reason),
      );
    } catch (err) {
      if (!(err instanceof RateLimited)) throw err;
      throw new GatewayError("rate_limited", `too many failed connects from ${peer.remoteIp}; retry in ${Math.ceil(err.retryAfterMs / 1000)} s`, {
        retryAfterMs: err.retryAfterMs,
      });
    }
  }

  private async run(params: ConnectParams, peer: PeerInfo, nonce: string): Promise<Authenticated> {
    const role: Role = params.role ?? "operator";
    const requested = requestedScopes(role, params.scopes);
    const token = params.auth?.token;
    const sharedOk = this.sharedSecretOk(params);
    const device = params.device;
    if (!device) {
      if (sharedOk) return this.secretOnly(params, peer, role, requested);
      // A wrong secret is an auth failure (rate limited) whatever else is missing.
      this.refuseWithoutSecret(params);
      throw new GatewayError("device_identity_required", "device identity required: sign the connect with this device's ed25519 key");
    }
    const raw = await verifyDeviceProof(device, params.client, {
      challengeNonce: nonce,
      keys: this.keys,
      isLocal: peer.isLocal,
      now: this.deps.now(),
      role,
      scopes: params.scopes ?? [],
      token: token ?? "",
    });
    const tokenScopes = !sharedOk && token !== undefined ? this.deviceTokenScopes(device.id, role, token) : null;
    // A signed device on the gateway host that sends no secret at all goes through local approval
    // (auto-approved unless gateway.pairing.autoApproveLocal is false), as a browser there has no
    // way to know the token. A wrong secret is still refused, and other machines still need it.
    const localWithoutSecret = peer.isLocal && token === undefined && params.auth?.password === undefined;
    if (!sharedOk && tokenScopes === null && !localWithoutSecret) this.refuseWithoutSecret(params);
    const approved = await this.ensurePaired(params, peer, raw, role, requested, tokenScopes !== null);
    let scopes = requested.filter((s) => scopesCovered(approved, [s]));
    if (tokenScopes) scopes = scopes.filter((s) => scopesCovered(tokenScopes, [s]));
    this.deps.devices.touch(device.id);
    if (tokenScopes) return { role, scopes, deviceId: device.id, issued: undefined, viaDeviceToken: true };
    const issuedScopes = role === "operator" ? approved : [];
    // Only hashes are kept, so a token cannot be handed out twice. A token is minted on the first
    // approved connect and again once an approval (or repair) is newer than the live token; a token
    // rotated since (possibly narrowed by an operator) stays, as minting would silently revoke it.
    if (this.holdsCurrentToken(device.id, role)) return { role, scopes, deviceId: device.id, issued: undefined, viaDeviceToken: false };
    const { token: deviceToken, issuedAtMs } = await this.deps.devices.issueToken(device.id, role, issuedScopes);
    return { role, scopes, deviceId: device.id, issued: { deviceToken, role, scopes: issuedScopes, issuedAtMs }, viaDeviceToken: false };
  }

  /**
   * The gateway secret without a device identity: operators on this machine, or from anywhere when
   * `gateway.auth.allowSecretOnly` is set (then logged). Never a node: its node id is its device id.
   */
  private secretOnly(params: ConnectParams, peer: PeerInfo, role: Role, requested: string[]): Authenticated {
    if (role === "node") {
      throw new GatewayError("device_identity_required", "device identity required: a node signs the connect with its device key (its node id is its device id)");
    }
    if (!peer.isLocal) {
      if (!this.deps.config.auth.allowSecretOnly) {
        throw new GatewayError(
          "device_identity_required",
          "device identity required: clients on other machines sign the connect with their device key (gateway.auth.allowSecretOnly lifts this)",
        );
      }
      const c = params.client;
      this.deps.log.warn({ ip: peer.remoteIp, client: c.id, mode: c.mode, instanceId: c.instanceId, scopes: requested }, "secret-only connection from another machine");
    }
    return { role, scopes: requested, deviceId: undefined, issued: undefined, viaDeviceToken: false };
  }

  private holdsCurrentToken(deviceId: string, role: string): boolean {
    const paired = this.deps.devices.get(deviceId);
    const live = paired?.tokens[role];
    if (!paired || !live || live.revokedAtMs !== undefined) return false;
    return paired.approvedAtMs <= (live.rotatedAtMs ?? live.createdAtMs);
  }

  /** A token minted for a connect whose socket closed before hello-ok reached it is withdrawn, so the next connect gets one. */
  async undelivered(auth: Authenticated): Promise<void> {
    if (!auth.issued || auth.deviceId === undefined) return;
    await this.deps.devices.withdrawToken(auth.deviceId, auth.issued.role, auth.issued.deviceToken);
  }

  private sharedSecretOk(params: ConnectParams): boolean {
    const a = params.auth;
    if (this.tokenDigest && secretMatches(a?.token, this.tokenDigest)) return true;
    return this.passwordDigest !== undefined && secretMatches(a?.password, this.passwordDigest);
  }

  /** Scopes of a valid device token, or throws when a token was presented but is not valid. */
  private deviceTokenScopes(deviceId: string, role: string, token: string): string[] {
    const scopes = this.deps.devices.verifyToken(deviceId, role, token);
    if (scopes === null) {
      throw new GatewayError("device_token_invalid", "unauthorized: token not recognized (revoked, rotated or from another device)");
    }
    return scopes;
  }

  /** Without a valid secret or device token, only a gateway with no secret configured lets a device in. */
  private refuseWithoutSecret(params: ConnectParams): void {
    const mode = this.deps.config.auth.mode;
    if (mode === "token") throw new GatewayError("token_mismatch", "unauthorized: gateway token missing or wrong");
    if (mode === "password") {
      throw new GatewayError("password_mismatch", "unauthorized: gateway password missing or wrong");
    }
    if (params.auth?.password !== undefined) {
      throw new GatewayError("password_mismatch", "unauthorized: this gateway has no password configured");
    }
  }

  /**
   * Returns the device's approved scopes, auto-approving local devices or raising `pairing required`.
   * A connect with a device token never widens the approval: its session is bounded by the token,
   * so widening would store scopes no session was granted.
   */
  private async ensurePaired(
    params: ConnectParams,
    peer: PeerInfo,
    raw: Buffer,
    role: Role,
    requested: string[],
    viaDeviceToken: boolean,
  ): Promise<string[]> {
    const device = params.device!;
    const { devices } = this.deps;
    const config = this.deps.current();
    let paired = devices.get(device.id);
    const covers = () => paired !== undefined && paired.roles.includes(role) && scopesCovered(paired.scopes, requested);
    if (!covers()) {
      // `clawdbot pair approve` may have written the store directly; look again before asking.
      await devices.reload();
      paired = devices.get(device.id);
    }
    // Same text, same key; otherwise compare the decoded keys (the same key may be sent as PEM).
    if (paired && paired.publicKey !== device.publicKey && !rawPublicKey(paired.publicKey)?.equals(raw)) {
      throw new GatewayError("device_identity_mismatch", "this device id is paired with a different public key");
    }
    if (paired && (covers() || viaDeviceToken)) return paired.scopes;
    const claim = claimOf(params, role, requested, peer.remoteIp);
    if (peer.isLocal && config.autoApproveLocal) {
      const dev = await devices.pairDirect(claim);
      this.deps.log.info({ deviceId: device.id, role, scopes: requested }, "local device auto-approved");
      return dev.scopes;
    }
    const { request, created } = await devices.requestPairing(claim, paired !== undefined);
    if (created) this.deps.onPairingRequested(request);
    throw new GatewayError(
      "pairing_required",
      `pairing required: approve this device on the gateway host with \`clawdbot pair approve ${request.requestId}\``,
      { details: { requestId: request.requestId } },
    );
  }
}

function requestedScopes(role: Role, scopes: string[] | undefined): string[] {
  if (role !== "operator") return [];
  if (!scopes || scopes.length === 0) return [...DEFAULT_OPERATOR_SCOPES];
  return [...new Set(scopes.filter(isOperatorScope))];
}

function claimOf(params: ConnectParams, role: Role, scopes: string[], remoteIp: string): DeviceClaim {
  const d = params.device!;
  const c = params.client;
  return {
    deviceId: d.id,
    publicKey: d.publicKey,
    role,
    scopes,
    clientId: c.id,
    clientMode: c.mode,
    platform: c.platform,
    ...(c.displayName !== undefined ? { displayName: c.displayName } : {}),
    ...(remoteIp ? { remoteIp } : {}),
  };
}

import { scopesCovered } from "@clawdbot/protocol";
import { GatewayError } from "../../errors.js";
import type { Caller, Handler } from "../context.js";
import type { GatewayServices } from "../../services.js";
import { deviceView } from "./views.js";

/** What these handlers may reach. */
export type DevicePairingDeps = Pick<GatewayServices, "devices" | "broadcaster" | "now" | "disconnectDevice">;


/** Nobody approves or mints more than they hold themselves. */
export function assertCanGrant(caller: Caller, scopes: readonly string[], what: string): void {
  if (!scopesCovered(caller.scopes, scopes)) {
    const missing = scopes.filter((s) => !scopesCovered(caller.scopes, [s]));
    throw new GatewayError("forbidden", `cannot ${what}: it carries ${missing.join(", ")}, which this connection does not hold`, {
      details: { missing },
    });
  }
}

/** `device.pair.list` */
export const devicePairListHandler =
  (s: DevicePairingDeps): Handler<"device.pair.list"> =>
  async () => {
    // `clawdbot pair approve` may have written the store directly; show what is on disk.
    await s.devices.reload();
    return {
      pending: s.devices.listPending(),
      paired: s.devices.listPaired().map((d) => deviceView(d, s.devices.lastSeen(d.deviceId))),
    };
  };

/** `device.pair.approve`: only within the approver's own scopes. */
export const devicePairApproveHandler =
  (s: DevicePairingDeps): Handler<"device.pair.approve"> =>
  async ({ requestId }, { caller }) => {
    const pending = s.devices.getPending(requestId);
    if (!pending) throw new GatewayError("not_found", `no pending pairing request ${requestId} (expired after 5 minutes, or already resolved)`);
    assertCanGrant(caller, pending.scopes, "approve this device");
    const done = await s.devices.approve(requestId);
    if (!done) throw new GatewayError("not_found", `pairing request ${requestId} was resolved meanwhile`);
    s.broadcaster.broadcast(
      "device.pair.resolved",
      { requestId, deviceId: done.device.deviceId, decision: "approved", ts: s.now() },
      { scope: "operator.pairing" },
    );
    return { requestId, device: deviceView(done.device, s.devices.lastSeen(done.device.deviceId)) };
  };

/** `device.pair.reject` */
export const devicePairRejectHandler =
  (s: DevicePairingDeps): Handler<"device.pair.reject"> =>
  async ({ requestId }) => {
    const req = await s.devices.reject(requestId);
    if (!req) throw new GatewayError("not_found", `no pending pairing request ${requestId}`);
    s.broadcaster.broadcast(
      "device.pair.resolved",
      { requestId, deviceId: req.deviceId, decision: "rejected", ts: s.now() },
      { scope: "operator.pairing" },
    );
    return { requestId, deviceId: req.deviceId };
  };

/**
 * `device.token.rotate`: a new token within the device's approval and the caller's scopes; the
 * caller must also hold every scope of the token it replaces (as for revoke). The old token's
 * sessions close.
 */
export const deviceTokenRotateHandler =
  (s: DevicePairingDeps): Handler<"device.token.rotate"> =>
  async ({ deviceId, role, scopes }, { caller }) => {
    const device = s.devices.get(deviceId);
    if (!device || !device.roles.includes(role)) throw new GatewayError("not_found", `device ${deviceId} is not paired for role ${role}`);
    const wanted = role === "operator" ? (scopes ?? device.tokens[role]?.scopes ?? device.scopes) : [];
    if (!scopesCovered(device.scopes, wanted)) {
      throw new GatewayError("forbidden", "requested scopes exceed what this device was approved for; approve a repair request first");
    }
    assertCanGrant(caller, wanted, "mint this token");
    // Replacing a token takes it away from its holder: only someone holding all it carries may do so.
    const replaced = device.tokens[role];
    if (replaced) assertCanGrant(caller, replaced.scopes, "replace this token");
    const { token, issuedAtMs } = await s.devices.issueToken(deviceId, role, wanted);
    // Sessions opened with the old token end with it; the caller's own session carries the new one home.
    s.disconnectDevice(deviceId, role, "device token rotated", { tokenOnly: true, exceptConnId: caller.connId });
    return { deviceId, role, token, scopes: wanted, rotatedAtMs: issuedAtMs };
  };

/** `device.token.revoke`: the token stops working and live sockets of (device, role) close at once. */
export const deviceTokenRevokeHandler =
  (s: DevicePairingDeps): Handler<"device.token.revoke"> =>
  async ({ deviceId, role }, { caller }) => {
    const rec = s.devices.get(deviceId)?.tokens[role];
    if (!rec) throw new GatewayError("not_found", `device ${deviceId} has no ${role} token`);
    assertCanGrant(caller, rec.scopes, "revoke this token");
    await s.devices.revokeToken(deviceId, role);
    const disconnected = s.disconnectDevice(deviceId, role, "device token revoked");
    return { deviceId, role, revokedAtMs: s.now(), disconnected };
  };

// Pairing from the operator's side: device.pair.list views, approving a device end to end, the
// issued device token, and probing which scopes a connection effectively holds.
import assert from "node:assert/strict";
import type { TestContext } from "node:test";
import { METHODS, METHOD_NAMES, type HelloOk, type MethodName, type OperatorScope } from "@clawdbot/protocol";
import { generateIdentity, type DeviceIdentity } from "@clawdbot/protocol/client";
import type { ConnectOptions, RawClient } from "../support/raw-client.js";
import { call, connect, connectOk } from "./connections.js";
import { assertPairingRequired } from "./refusals.js";

export interface PendingView {
  requestId: string;
  deviceId: string;
  role?: string;
  scopes?: string[];
  remoteIp?: string;
  clientId?: string;
  isRepair?: boolean;
}

export interface TokenView {
  role: string;
  scopes: string[];
  revokedAtMs?: number;
  rotatedAtMs?: number;
}

export interface PairedView {
  deviceId: string;
  roles: string[];
  scopes: string[];
  remoteIp?: string;
  clientId?: string;
  tokens: TokenView[];
}

export async function pairList(admin: RawClient): Promise<{ pending: PendingView[]; paired: PairedView[] }> {
  return call(admin, "device.pair.list", {});
}

/** Connects as a new (or given) device that must be approved; the admin approves; the device reconnects. */
export async function approvedDevice(
  t: TestContext,
  url: string,
  approver: RawClient,
  o: ConnectOptions & { identity?: DeviceIdentity },
): Promise<{ identity: DeviceIdentity; client: RawClient; hello: HelloOk; requestId: string }> {
  const identity = o.identity ?? generateIdentity();
  const requestId = await assertPairingRequired(await connect(url, { ...o, identity }));
  await call(approver, "device.pair.approve", { requestId });
  const { client, hello } = await connectOk(t, url, { ...o, identity });
  return { identity, client, hello, requestId };
}

/** The device token issued in hello-ok.auth (asserting there is one). */
export function issuedToken(hello: HelloOk): string {
  assert.ok(hello.auth, "hello-ok carries no auth (no device token issued)");
  return hello.auth.deviceToken;
}

/** One operator method per scope that has any (first declared), to probe what a connection holds. */
export const PROBES: Partial<Record<OperatorScope, MethodName>> = Object.fromEntries(
  METHOD_NAMES.filter((m) => METHODS[m].roles.includes("operator"))
    .reverse()
    .map((m) => [METHODS[m].scope, m]),
);

/** The scopes (among those with a probe method) this connection may use: each probe answered other than FORBIDDEN. */
export async function effectiveScopes(client: RawClient): Promise<string[]> {
  const held: string[] = [];
  for (const [scope, method] of Object.entries(PROBES)) {
    // `{}` fails validation for methods with required params, so nothing happens beyond the scope check.
    const res = await client.request(method, {});
    if (res.error?.code !== "FORBIDDEN") held.push(scope);
  }
  return held.sort();
}

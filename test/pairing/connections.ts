// Gateways for the pairing tests and connections to them: signed connects (optionally with extra
// HTTP headers), strict hello-ok, method calls checked against their declared result schemas.
import assert from "node:assert/strict";
import type { TestContext } from "node:test";
import { HelloOkSchema, METHODS, ResponseFrameSchema, check, formatIssues, type HelloOk, type MethodName } from "@clawdbot/protocol";
import type { ConfigFile } from "@clawdbot/sidecar";
import { startGateway, type TestGateway } from "../support/gateway.js";
import { RawClient, connectParams, type ConnectOptions, type Frame } from "../support/raw-client.js";

/** The gateway secret of token-mode test gateways. */
export const GATEWAY_TOKEN = "pairing-tests-gateway-token-7f3a9c";

export interface PairingGatewayOptions {
  /** Require GATEWAY_TOKEN (default false: no secret, loopback only). */
  token?: boolean;
  /** gateway.pairing.autoApproveLocal (default: the gateway's default, true). */
  autoApproveLocal?: boolean;
  /** Listen address (an IP needs `token`). */
  bind?: string;
  trustedProxies?: string[];
  /** The gateway's clock (pending TTL tests). */
  now?: () => number;
  /** Failed connects per address before RATE_LIMITED (default: practically unlimited). */
  maxFailures?: number;
  /** gateway.auth.allowSecretOnly: non-local clients may connect with the gateway token alone. */
  allowSecretOnly?: boolean;
}

/** A gateway stopped when the test ends; failed connects never trip the per-address limit here. */
export async function pairingGateway(t: TestContext, o: PairingGatewayOptions = {}): Promise<TestGateway> {
  const gateway: NonNullable<ConfigFile["gateway"]> = { authRateLimit: { maxFailures: o.maxFailures ?? 100_000 } };
  if (o.autoApproveLocal !== undefined) gateway.pairing = { autoApproveLocal: o.autoApproveLocal };
  if (o.trustedProxies) gateway.trustedProxies = o.trustedProxies;
  if (o.allowSecretOnly) gateway.auth = { allowSecretOnly: true };
  const gw = await startGateway({
    file: { gateway },
    flags: { port: 0, ...(o.token ? { token: GATEWAY_TOKEN } : {}), ...(o.bind ? { bind: o.bind } : {}) },
    ...(o.now ? { now: o.now } : {}),
  });
  t.after(() => gw.stop());
  return gw;
}

/** ws:// URL of a gateway bound to `host` (the harness URL assumes loopback). */
export function urlOn(gw: TestGateway, host: string): string {
  return `ws://${host}:${gw.port}`;
}

// Connecting

export interface Connected {
  client: RawClient;
  res: Frame;
}

/** Opens a socket (optionally with extra HTTP headers), answers the challenge with a signed connect. */
export async function connect(url: string, o: ConnectOptions = {}, headers?: Record<string, string>): Promise<Connected> {
  const client = await RawClient.open(url, headers ? { headers } : {});
  const nonce = await client.challenge();
  const res = await client.request("connect", connectParams({ ...o, nonce: o.nonce === undefined ? nonce : o.nonce }));
  return { client, res };
}

/** Same as `connect`, closing the socket when the test ends. */
export async function connectFor(t: TestContext, url: string, o: ConnectOptions = {}, headers?: Record<string, string>): Promise<Connected> {
  const c = await connect(url, o, headers);
  t.after(() => c.client.close());
  return c;
}

/** Asserts a strictly valid hello-ok and returns it. */
export function assertHello(res: Frame): HelloOk {
  assert.equal(res.type, "res");
  assert.equal(res.ok, true, `expected hello-ok, got ${JSON.stringify(res).slice(0, 600)}`);
  const frame = check(ResponseFrameSchema, res);
  assert.ok(frame.ok, `response frame is not strictly valid: ${JSON.stringify(res)}`);
  const hello = check(HelloOkSchema, res.payload);
  assert.ok(hello.ok, `hello-ok is not strictly valid: ${hello.ok ? "" : formatIssues(hello.issues)}`);
  return hello.value;
}

/** Connects and asserts hello-ok; the socket is closed when the test ends. */
export async function connectOk(t: TestContext, url: string, o: ConnectOptions = {}, headers?: Record<string, string>) {
  const { client, res } = await connectFor(t, url, o, headers);
  return { client, hello: assertHello(res) };
}

/** An operator connection without device identity, admitted by the gateway token alone. */
export async function tokenAdmin(t: TestContext, url: string): Promise<RawClient> {
  const { client } = await connectOk(t, url, { identity: null, token: GATEWAY_TOKEN, scopes: ["operator.admin"] });
  return client;
}

/** A successful method call; its result must match the declared result schema. Returns the payload. */
export async function call<T = Record<string, unknown>>(client: RawClient, method: MethodName, params?: unknown): Promise<T> {
  const res = await client.request(method, params);
  assert.equal(res.ok, true, `${method} failed: ${JSON.stringify(res.error)}`);
  const result = check(METHODS[method].result, res.payload);
  assert.ok(result.ok, `${method} result off-schema: ${result.ok ? "" : formatIssues(result.issues)}: ${JSON.stringify(res.payload).slice(0, 500)}`);
  return res.payload as T;
}

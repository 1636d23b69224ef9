// Shared by the pairing tests: gateways set up for pairing scenarios, approved connections,
// refusal and event assertions, the pairing stores on disk, and the built CLI.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestContext } from "node:test";
import WebSocket from "ws";
import {
  CloseCode,
  EVENTS,
  HelloOkSchema,
  METHODS,
  METHOD_NAMES,
  ResponseFrameSchema,
  check,
  formatIssues,
  type ErrorShape,
  type EventName,
  type HelloOk,
  type MethodName,
  type OperatorScope,
} from "@clawdbot/protocol";
import { generateIdentity, type DeviceIdentity } from "@clawdbot/protocol/client";
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
}

/** A gateway stopped when the test ends; failed connects never trip the per-address limit here. */
export async function pairingGateway(t: TestContext, o: PairingGatewayOptions = {}): Promise<TestGateway> {
  const gateway: NonNullable<ConfigFile["gateway"]> = { authRateLimit: { maxFailures: o.maxFailures ?? 100_000 } };
  if (o.autoApproveLocal !== undefined) gateway.pairing = { autoApproveLocal: o.autoApproveLocal };
  if (o.trustedProxies) gateway.trustedProxies = o.trustedProxies;
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

// ---------------------------------------------------------------------------------------------
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

// ---------------------------------------------------------------------------------------------
// Refusals and closes

export interface Refusal {
  code: string;
  close: string;
  closeCode?: number;
}

/** Resolves with the close code and reason, failing after `ms` instead of hanging. */
export async function closedWithin(client: RawClient, ms = 5000): Promise<{ code: number; reason: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`socket still open after ${ms} ms; frames: ${JSON.stringify(client.frames).slice(0, 1500)}`)), ms);
  });
  try {
    return await Promise.race([client.closed, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function isOpen(client: RawClient): boolean {
  return client.ws.readyState === WebSocket.OPEN;
}

/** A refused connect: one strict ok:false response with `want.code`, then close `want.closeCode ?? 1008` with `want.close`. */
export async function assertRefused(c: Connected, want: Refusal): Promise<ErrorShape> {
  const { client, res } = c;
  assert.equal(res.ok, false, `expected a refusal, got ${JSON.stringify(res).slice(0, 400)}`);
  const strict = check(ResponseFrameSchema, res);
  assert.ok(strict.ok, `refusal frame is not strictly valid: ${JSON.stringify(res)}`);
  const error = strict.value.error;
  assert.ok(error, "refusal carries no error");
  assert.equal(error.code, want.code, `error: ${JSON.stringify(error)}`);
  assert.ok(error.message.length > 0);
  assert.deepEqual(await closedWithin(client), { code: want.closeCode ?? CloseCode.policyViolation, reason: want.close });
  const others = client.frames.filter((f) => !(f.type === "event" && f.event === "connect.challenge") && f !== res);
  assert.deepEqual(others, [], `frames besides the challenge and the refusal: ${JSON.stringify(others)}`);
  return error;
}

/** `pairing required`: NOT_PAIRED with details.requestId, close 1008; returns the request id. */
export async function assertPairingRequired(c: Connected): Promise<string> {
  const error = await assertRefused(c, { code: "NOT_PAIRED", close: "pairing required" });
  const requestId = (error.details as { requestId?: unknown } | undefined)?.requestId;
  assert.equal(typeof requestId, "string", `details: ${JSON.stringify(error.details)}`);
  return requestId as string;
}

export const UNAUTHORIZED: Refusal = { code: "UNAUTHORIZED", close: "unauthorized" };
export const NONCE_REQUIRED: Refusal = { code: "INVALID_REQUEST", close: "device nonce required" };
export const NONCE_MISMATCH: Refusal = { code: "INVALID_REQUEST", close: "device nonce mismatch" };

/** A method call refused FORBIDDEN on a connection that stays open. */
export async function assertForbidden(client: RawClient, method: string, params: unknown): Promise<ErrorShape> {
  const res = await client.request(method, params);
  assert.equal(res.ok, false, `${method} should be refused: ${JSON.stringify(res).slice(0, 400)}`);
  assert.equal(res.error?.code, "FORBIDDEN", `${method}: ${JSON.stringify(res.error)}`);
  assert.ok(isOpen(client), `${method}: the connection must stay open after a refusal`);
  return res.error;
}

/** A successful method call; its result must match the declared result schema. Returns the payload. */
export async function call<T = Record<string, unknown>>(client: RawClient, method: MethodName, params?: unknown): Promise<T> {
  const res = await client.request(method, params);
  assert.equal(res.ok, true, `${method} failed: ${JSON.stringify(res.error)}`);
  const result = check(METHODS[method].result, res.payload);
  assert.ok(result.ok, `${method} result off-schema: ${result.ok ? "" : formatIssues(result.issues)}: ${JSON.stringify(res.payload).slice(0, 500)}`);
  return res.payload as T;
}

// ---------------------------------------------------------------------------------------------
// Pairing

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

// ---------------------------------------------------------------------------------------------
// Events

/** Waits until a round trip on `client` completes: any event sent to it before now has arrived. */
export async function barrier(client: RawClient): Promise<void> {
  const res = await client.request("pairing-tests.barrier", {});
  assert.equal(res.type, "res");
}

/** Events `name` received so far, optionally filtered by a payload predicate. */
export function eventsOf(client: RawClient, name: EventName, pred: (p: Record<string, unknown>) => boolean = () => true): Frame[] {
  return client.frames.filter((f) => f.type === "event" && f.event === name && pred(f.payload as Record<string, unknown>));
}

/** Waits for event `name` whose payload matches, and validates the payload strictly. */
export async function awaitEvent(client: RawClient, name: EventName, pred: (p: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  const f = await client.next((x) => x.type === "event" && x.event === name && pred(x.payload as Record<string, unknown>));
  const payload = check(EVENTS[name], f.payload);
  assert.ok(payload.ok, `${name} payload off-schema: ${payload.ok ? "" : formatIssues(payload.issues)}`);
  assert.equal(typeof f["seq"], "number", `${name} is a broadcast and carries seq`);
  return f.payload as Record<string, unknown>;
}

/** After a barrier, asserts `client` received no `name` event matching `pred`. */
export async function assertNoEvent(client: RawClient, name: EventName, pred: (p: Record<string, unknown>) => boolean): Promise<void> {
  await barrier(client);
  assert.deepEqual(eventsOf(client, name, pred), [], `unexpected ${name}`);
}

// ---------------------------------------------------------------------------------------------
// Effective scopes

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

// ---------------------------------------------------------------------------------------------
// The store on disk

export function devicesFile(gw: TestGateway): string {
  return join(gw.stateDir, "devices", "pairing.json");
}

export function nodesFile(gw: TestGateway): string {
  return join(gw.stateDir, "nodes", "pairing.json");
}

/** Asserts a store file is 0600 in a 0700 directory, and no file in that directory contains any of `secrets`. */
export async function assertStoreKeepsSecrets(path: string, secrets: readonly string[]): Promise<void> {
  const dir = join(path, "..");
  assert.equal((await stat(path)).mode & 0o777, 0o600, `${path} mode`);
  assert.equal((await stat(dir)).mode & 0o777, 0o700, `${dir} mode`);
  for (const name of await readdir(dir)) {
    const text = await readFile(join(dir, name), "utf8").catch(() => "");
    for (const s of secrets) assert.ok(!text.includes(s), `${join(dir, name)} contains a plaintext secret (${s.slice(0, 6)}…)`);
  }
}

// ---------------------------------------------------------------------------------------------
// The CLI

const CLI_BIN = fileURLToPath(new URL("../../cli/bin/run.js", import.meta.url));
const CLI_BUILT = fileURLToPath(new URL("../../cli/dist/commands/pair/approve.js", import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `clawdbot <args>` "on the gateway host" (its state dir), asynchronously (the gateway runs in this process). */
export function runCli(args: string[], stateDir: string): Promise<CliResult> {
  if (!existsSync(CLI_BUILT)) throw new Error(`${CLI_BUILT} is missing: build first (npx tsc -b cli/tsconfig.json)`);
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("CLAWDBOT_")) env[k] = v;
  Object.assign(env, { FORCE_COLOR: "0", NO_COLOR: "1", CLAWDBOT_STATE_DIR: stateDir });
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [CLI_BIN, ...args], { env, timeout: 30_000, encoding: "utf8" }, (_e, stdout, stderr) =>
      resolve({ code: child.exitCode, stdout, stderr }),
    );
  });
}

/** Parses the CLI's --json stdout, failing with the whole output when the exit code is not `code`. */
export function cliJson<T>(r: CliResult, code = 0): T {
  assert.equal(r.code, code, `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

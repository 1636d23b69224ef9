// A browser page's gateway connection: wait for connect.challenge → signed connect → hello-ok; then
// typed requests and events; on close, reconnect with backoff. One socket at a time.
//
//   idle ─start()─► connecting ─hello-ok─► connected ─close─► disconnected ─backoff─► connecting …
//                        └─ connect refused (NOT_PAIRED, UNAUTHORIZED, …) / close ─► disconnected
//
// The socket, the ed25519 implementation, the storage and the clock are injected, so the same
// code runs in WebChat, in the Control UI and under node in tests.

import type { ClientInfo, HelloOk } from "../schema/connect.js";
import type { EventName, EventPayload } from "../schema/events.js";
import type { Role } from "../schema/scopes.js";
import type { MethodName, Params, Result } from "../methods/index.js";
import { PROTOCOL_VERSION } from "../version.js";
import { GatewayRequestError } from "../client/errors.js";
import { Backoff } from "../client/backoff.js";
import { uuid, type Digester } from "./encoding.js";
import {
  clearDeviceToken,
  loadDeviceToken,
  loadIdentity,
  saveDeviceToken,
  signDevice,
  type BrowserIdentity,
  type Ed25519,
  type IdentityKeys,
  type PageStorage,
} from "./identity.js";

const CHALLENGE_TIMEOUT_MS = 5000;
const CONNECT_TIMEOUT_MS = 15000;
const REQUEST_TIMEOUT_MS = 30000;
/** While approval is pending, look again this often at most: the owner is approving right now, and an
 * approved device should be in within about a second. */
const PAIRING_RECHECK_MS = 1000;
/** …for as long as a pairing request lives; after that the usual backoff applies. */
const PAIRING_RECHECK_FOR_MS = 5 * 60_000;

/** An event handler property, compared bivariantly so the DOM's richer event types fit. */
type Handler<E> = { bivarianceHack(ev: E): void }["bivarianceHack"];

/** The part of the browser's WebSocket this client uses (the `ws` package fits too). */
export interface SocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onmessage: Handler<{ data: unknown }> | null;
  onclose: Handler<{ code: number; reason: string }> | null;
  onerror: Handler<unknown> | null;
}
export type SocketConstructor = new (url: string) => SocketLike;

export type ConnectionState = "connecting" | "connected" | "disconnected";

export interface ConnectionStatus {
  state: ConnectionState;
  /** Why the last attempt failed, as the gateway (or the page) said it. */
  message?: string;
  code?: string;
  retryInMs?: number;
  /** With code NOT_PAIRED: the pairing request the owner approves (`clawdbot pair approve <id>`). */
  requestId?: string;
}

/** A gateway token or password a person typed; read again at every connect. */
export interface TypedSecret {
  token?: string;
  password?: string;
}

export interface ReconnectDelays {
  next(): number;
  reset(): void;
}

export interface BrowserClientOptions {
  url: string;
  WebSocket: SocketConstructor;
  nacl: Ed25519;
  storage: PageStorage;
  /** Storage keys of this page's identity (see identityKeys). */
  keys: IdentityKeys;
  subtle?: Digester | null;
  client: ClientInfo;
  role: Role;
  scopes: readonly string[];
  /** The page's name in messages ("WebChat reconnects when it is back."). */
  pageName: string;
  secret?: () => TypedSecret | undefined;
  backoff?: ReconnectDelays;
  now?: () => number;
  onStatus?: (s: ConnectionStatus) => void;
  onHello?: (hello: HelloOk) => void;
  onEvent?: (event: string, payload: unknown) => void;
}

interface Pending {
  resolve: (payload: unknown) => void;
  reject: (err: GatewayRequestError) => void;
  timer: ReturnType<typeof setTimeout>;
}

interface Failure {
  code: string;
  message: string;
  requestId?: string;
}

type State = "idle" | "starting" | "connecting" | "handshaking" | "connected" | "disconnected";

/** The gateway's typed client for browser pages (see the state diagram above). */
export class BrowserGatewayClient {
  private readonly backoff: ReconnectDelays;
  private readonly now: () => number;
  private readonly pending = new Map<string, Pending>();
  private readonly listeners = new Map<string, Set<(payload: unknown) => void>>();
  private ws: SocketLike | null = null;
  private state: State = "idle";
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private retryAtOnce = false;
  private watchdog: ReturnType<typeof setInterval> | undefined;
  private lastFrameAt = 0;
  private failure: Failure | null = null;
  private identity: BrowserIdentity | null = null;
  private waitingForApprovalSince: number | undefined;
  private helloOk: HelloOk | null = null;
  private granted: string[] = [];

  constructor(private readonly opts: BrowserClientOptions) {
    this.backoff = opts.backoff ?? new Backoff(500, 10_000);
    this.now = opts.now ?? (() => Date.now());
  }

  get connected(): boolean {
    return this.state === "connected";
  }

  /** The hello-ok of the live connection. */
  get hello(): HelloOk | null {
    return this.state === "connected" ? this.helloOk : null;
  }

  /** Scopes this connection holds at most: the ones asked for, narrowed by the device token used. */
  get scopes(): readonly string[] {
    return this.granted;
  }

  /** This page's device id once its identity is loaded. */
  get deviceId(): string | undefined {
    return this.identity?.deviceId;
  }

  start(): void {
    if (this.state !== "idle") return;
    this.state = "starting";
    void this.open();
  }

  stop(): void {
    this.state = "idle";
    clearTimeout(this.retryTimer);
    clearInterval(this.watchdog);
    const ws = this.ws;
    this.ws = null;
    if (ws) ws.close(1000, "client stopped");
    this.rejectPending("the page stopped its connection");
  }

  /** Skips the backoff wait (the browser came back online, a person typed a token). */
  reconnectNow(): void {
    // An attempt already under way went out without what changed: the next one goes at once.
    if (this.state === "connecting" || this.state === "handshaking") this.retryAtOnce = true;
    if (this.state !== "disconnected") return;
    clearTimeout(this.retryTimer);
    void this.open();
  }

  /** Calls a declared method with typed params and result. */
  call<M extends MethodName>(method: M, params?: Params<M>, timeoutMs?: number): Promise<Result<M>> {
    return this.request(method, params, timeoutMs) as Promise<Result<M>>;
  }

  /** Sends any request on the live connection; resolves with its payload or rejects with GatewayRequestError. */
  request(method: string, params?: unknown, timeoutMs = REQUEST_TIMEOUT_MS): Promise<unknown> {
    if (this.state !== "connected" || !this.ws) {
      return Promise.reject(new GatewayRequestError({ code: "DISCONNECTED", message: "not connected to the gateway" }));
    }
    return this.send(this.ws, method, params, timeoutMs);
  }

  /** Subscribes to one event; returns the unsubscribe function. */
  on<E extends EventName>(event: E, handler: (payload: EventPayload<E>) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    const h = handler as (payload: unknown) => void;
    set.add(h);
    return () => void set.delete(h);
  }

  private send(ws: SocketLike, method: string, params: unknown, timeoutMs: number): Promise<unknown> {
    const id = uuid();
    const frame = params === undefined ? { type: "req", id, method } : { type: "req", id, method, params };
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new GatewayRequestError({ code: "TIMEOUT", message: `${method}: no answer from the gateway within ${timeoutMs / 1000} s` }));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      ws.send(JSON.stringify(frame));
    });
  }

  private async open(): Promise<void> {
    this.state = "connecting";
    this.status({ state: "connecting" });
    try {
      this.identity ??= await loadIdentity(this.opts.storage, this.opts.keys, this.opts.nacl, this.opts.subtle);
    } catch (err) {
      this.failure = { code: "IDENTITY", message: `cannot create this browser's device key: ${(err as Error).message}` };
      this.scheduleRetry();
      return;
    }
    if (this.state !== "connecting") return;
    const ws = new this.opts.WebSocket(this.opts.url);
    this.ws = ws;
    this.lastFrameAt = Date.now();
    const challengeTimer = setTimeout(() => ws.close(), CHALLENGE_TIMEOUT_MS);
    ws.onmessage = (ev) => {
      if (ws !== this.ws) return;
      this.lastFrameAt = Date.now();
      const frame = parse(ev.data);
      if (!frame) return;
      if (frame["type"] === "event" && frame["event"] === "connect.challenge" && this.state === "connecting") {
        clearTimeout(challengeTimer);
        const payload = frame["payload"] as { nonce?: unknown } | undefined;
        void this.handshake(ws, payload?.nonce);
        return;
      }
      this.onFrame(frame);
    };
    ws.onerror = () => undefined;
    ws.onclose = (ev) => {
      clearTimeout(challengeTimer);
      if (ws === this.ws) this.onClose(ev);
    };
  }

  private async handshake(ws: SocketLike, nonce: unknown): Promise<void> {
    const identity = this.identity;
    if (typeof nonce !== "string" || nonce === "" || !identity) {
      ws.close();
      return;
    }
    const { client, role, scopes, storage, keys, nacl } = this.opts;
    const stored = loadDeviceToken(storage, keys, identity.deviceId, role);
    const typed = stored ? undefined : this.opts.secret?.();
    const token = stored?.token ?? typed?.token;
    const auth = { ...(token !== undefined ? { token } : {}), ...(typed?.password !== undefined ? { password: typed.password } : {}) };
    const device = signDevice(identity, nacl, { clientId: client.id, clientMode: client.mode, role, scopes, signedAt: Date.now(), token, nonce });
    const params = {
      minProtocol: PROTOCOL_VERSION,
      maxProtocol: PROTOCOL_VERSION,
      client,
      role,
      scopes,
      device,
      ...(Object.keys(auth).length > 0 ? { auth } : {}),
    };
    this.state = "handshaking";
    let hello: HelloOk;
    try {
      hello = (await this.send(ws, "connect", params, CONNECT_TIMEOUT_MS)) as HelloOk;
    } catch (err) {
      if (ws !== this.ws) return;
      const e = err as GatewayRequestError;
      this.failure = { code: e.code, message: e.message, ...requestIdOf(e) };
      // A stored token the gateway no longer knows (rotated, revoked, new state dir): forget it and retry at once.
      if (stored && e.code !== "NOT_PAIRED" && e.code !== "RATE_LIMITED" && e.code !== "TIMEOUT") {
        clearDeviceToken(storage, keys);
        this.backoff.reset();
      }
      ws.close();
      return;
    }
    if (ws !== this.ws) return;
    if (hello.auth?.deviceToken) saveDeviceToken(storage, keys, identity.deviceId, hello.auth);
    const held = hello.auth?.scopes ?? stored?.scopes;
    this.granted = scopes.filter((s) => !held || covered(held, s));
    this.helloOk = hello;
    this.state = "connected";
    this.failure = null;
    this.waitingForApprovalSince = undefined;
    this.backoff.reset();
    this.retryAtOnce = false;
    this.startWatchdog(ws, hello.policy?.tickIntervalMs);
    this.status({ state: "connected" });
    this.opts.onHello?.(hello);
  }

  private onFrame(frame: Record<string, unknown>): void {
    if (frame["type"] === "res") {
      const p = this.pending.get(String(frame["id"]));
      if (!p) return;
      this.pending.delete(String(frame["id"]));
      clearTimeout(p.timer);
      if (frame["ok"] === true) p.resolve(frame["payload"]);
      else p.reject(new GatewayRequestError((frame["error"] as { code: string; message: string } | undefined) ?? { code: "UNAVAILABLE", message: "request failed" }));
      return;
    }
    if (frame["type"] !== "event" || this.state !== "connected") return;
    const event = String(frame["event"]);
    const payload = frame["payload"];
    if (event === "shutdown") {
      const { reason, restartExpectedMs } = (payload ?? {}) as { reason?: string; restartExpectedMs?: number };
      const message = restartExpectedMs !== undefined ? "The gateway is restarting." : `The gateway stopped${reason ? ` (${reason})` : ""}.`;
      this.failure = { code: "SHUTDOWN", message: `${message} ${this.opts.pageName} reconnects when it is back.` };
      this.backoff.reset();
    }
    this.opts.onEvent?.(event, payload);
    for (const h of this.listeners.get(event) ?? []) h(payload);
  }

  /** The gateway ticks every tickIntervalMs; two missed ticks mean the link is dead (close 4000). */
  private startWatchdog(ws: SocketLike, tickIntervalMs: number | undefined): void {
    clearInterval(this.watchdog);
    if (!(tickIntervalMs !== undefined && tickIntervalMs > 0)) return;
    this.watchdog = setInterval(() => {
      if (Date.now() - this.lastFrameAt > 2 * tickIntervalMs + 1000) ws.close(4000, "tick timeout");
    }, tickIntervalMs);
  }

  private onClose(ev: { code: number; reason: string }): void {
    clearInterval(this.watchdog);
    this.ws = null;
    this.helloOk = null;
    this.rejectPending("the connection to the gateway closed");
    if (this.state === "idle") return;
    if (!this.failure && ev.reason) this.failure = { code: `CLOSE_${ev.code}`, message: `connection closed: ${ev.reason}` };
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    this.state = "disconnected";
    const f = this.failure;
    const delay = this.backoff.next();
    if (f?.code !== "NOT_PAIRED") this.waitingForApprovalSince = undefined;
    else this.waitingForApprovalSince ??= this.now();
    const eager = this.waitingForApprovalSince !== undefined && this.now() - this.waitingForApprovalSince < PAIRING_RECHECK_FOR_MS;
    const retryInMs = this.retryAtOnce ? 0 : eager ? Math.min(delay, PAIRING_RECHECK_MS) : delay;
    this.retryAtOnce = false;
    this.status({ state: "disconnected", retryInMs, ...(f ?? {}) });
    this.failure = null;
    this.retryTimer = setTimeout(() => void this.open(), retryInMs);
  }

  private rejectPending(message: string): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new GatewayRequestError({ code: "DISCONNECTED", message }));
      this.pending.delete(id);
    }
  }

  private status(s: ConnectionStatus): void {
    this.opts.onStatus?.(s);
  }
}

/** True when `held` grants `scope` (operator.admin implies every operator scope). */
function covered(held: readonly string[], scope: string): boolean {
  return held.includes(scope) || (held.includes("operator.admin") && scope.startsWith("operator."));
}

function requestIdOf(err: GatewayRequestError): { requestId?: string } {
  const id = (err.details as { requestId?: unknown } | undefined)?.requestId;
  return typeof id === "string" ? { requestId: id } : {};
}

function parse(data: unknown): Record<string, unknown> | null {
  if (typeof data !== "string") return null;
  try {
    const frame: unknown = JSON.parse(data);
    return frame && typeof frame === "object" && !Array.isArray(frame) ? (frame as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

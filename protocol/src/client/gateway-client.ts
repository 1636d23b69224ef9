import { randomUUID } from "node:crypto";
import WebSocket from "ws";
import { CloseCode, type ErrorShape } from "../schema/errors.js";
import { PROTOCOL_VERSION, type ClientInfo, type ConnectParams, type HelloAuth, type HelloOk } from "../schema/connect.js";
import type { EventFrame, ResponseFrame } from "../schema/frames.js";
import type { Role } from "../schema/scopes.js";
import type { MethodName, Params, Result } from "../methods/index.js";
import { deviceAuthPayload } from "../device-auth.js";
import { signPayload, type DeviceIdentity } from "./identity.js";
import { GatewayConnectError, GatewayRequestError, type ConnectFailure } from "./errors.js";
import { Backoff } from "./backoff.js";
import { pinnedTlsConnector } from "./tls-pin.js";

export interface GatewayClientOptions {
  url: string;
  client?: Partial<ClientInfo>;
  role?: Role;
  scopes?: string[];
  caps?: string[];
  commands?: string[];
  permissions?: Record<string, boolean>;
  /** Gateway shared token (or a device token issued earlier). */
  token?: string;
  password?: string;
  /** Device token from an earlier hello-ok, used when no gateway token is given. */
  deviceToken?: string;
  /** Identity to sign the challenge with; omit to connect without a device block. */
  identity?: DeviceIdentity;
  /** Called when the gateway issues a device token (persist it). */
  onDeviceToken?: (auth: HelloAuth) => void;
  onEvent?: (frame: EventFrame) => void;
  /** Called when a broadcast seq jumps: events were missed and state should be refreshed. */
  onGap?: (gap: { expected: number; received: number }) => void;
  onHello?: (hello: HelloOk) => void;
  onClose?: (code: number, reason: string) => void;
  /** Reconnect with exponential backoff after the connection drops. */
  reconnect?: boolean;
  connectTimeoutMs?: number;
  challengeTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Expected SHA-256 fingerprint of the server certificate (wss only). */
  tlsFingerprint?: string;
  clock?: () => number;
}

interface Pending {
  resolve: (payload: unknown) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout | undefined;
  expectFinal: boolean;
  onAccepted: ((payload: unknown) => void) | undefined;
}

export interface CallOptions {
  timeoutMs?: number;
  /** For two-phase methods: resolve with the final response, not the "accepted" one. */
  expectFinal?: boolean;
  /** For two-phase methods: called with the "accepted" payload (e.g. to learn the runId). */
  onAccepted?: (payload: unknown) => void;
}

/** A protocol v3 client: handshake, request matching, events, tick watchdog, reconnect. */
export class GatewayClient {
  private ws: WebSocket | null = null;
  private readonly pending = new Map<string, Pending>();
  private readonly opts: GatewayClientOptions;
  private readonly clock: () => number;
  private readonly backoff = new Backoff(500, 30_000);
  private lastSeq: number | null = null;
  private lastTickAt = 0;
  private tickTimer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private helloOk: HelloOk | null = null;

  constructor(opts: GatewayClientOptions) {
    this.opts = opts;
    this.clock = opts.clock ?? Date.now;
  }

  /** The hello-ok of the current connection, if connected. */
  get hello(): HelloOk | null {
    return this.helloOk;
  }

  get connected(): boolean {
    return this.helloOk !== null && this.ws?.readyState === WebSocket.OPEN;
  }

  /** Opens the socket and completes the handshake. Rejects with GatewayConnectError. */
  async connect(): Promise<HelloOk> {
    this.stopped = false;
    const ws = this.open();
    this.ws = ws;
    try {
      const nonce = await this.awaitChallenge(ws);
      const hello = await this.handshake(ws, nonce);
      this.onConnected(hello);
      return hello;
    } catch (err) {
      ws.terminate();
      throw err;
    }
  }

  /** Calls a declared method with typed params and result. */
  call<M extends MethodName>(method: M, params?: Params<M>, options: CallOptions = {}): Promise<Result<M>> {
    return this.request(method, params, options) as Promise<Result<M>>;
  }

  /** Sends any request; resolves with the payload or rejects with GatewayRequestError. */
  request(method: string, params?: unknown, options: CallOptions = {}): Promise<unknown> {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN || !this.helloOk) {
      return Promise.reject(new GatewayConnectError("closed", "not connected to the gateway"));
    }
    return this.send(ws, method, params, options);
  }

  /** Closes the connection and stops reconnecting. */
  close(): void {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    this.ws?.close(CloseCode.normal, "client closing");
  }

  private open(): WebSocket {
    const { url, tlsFingerprint } = this.opts;
    const wsOpts: WebSocket.ClientOptions = { maxPayload: 25 * 1024 * 1024, handshakeTimeout: this.connectTimeout() };
    if (tlsFingerprint !== undefined) {
      Object.assign(wsOpts, { createConnection: pinnedTlsConnector(tlsFingerprint) });
    }
    const ws = new WebSocket(url, wsOpts);
    ws.on("message", (data, isBinary) => {
      if (!isBinary) this.onMessage(data.toString());
    });
    ws.on("close", (code, reason) => this.onSocketClose(ws, code, reason.toString()));
    ws.on("error", () => {
      /* surfaced through close and the handshake promise */
    });
    return ws;
  }

  private connectTimeout(): number {
    return this.opts.connectTimeoutMs ?? 10_000;
  }

  private awaitChallenge(ws: WebSocket): Promise<string | undefined> {
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const cleanup = () => {
        clearTimeout(timer);
        ws.off("message", onMsg);
        ws.off("close", onClose);
        ws.off("error", onError);
        ws.off("open", onOpen);
      };
      const onOpen = () => {
        timer = setTimeout(() => {
          cleanup();
          resolve(undefined);
        }, this.opts.challengeTimeoutMs ?? 750);
      };
      const onMsg = (data: WebSocket.RawData) => {
        const frame = safeParse(data.toString());
        if (isObject(frame) && frame["type"] === "event" && frame["event"] === "connect.challenge") {
          const payload = frame["payload"];
          cleanup();
          resolve(isObject(payload) && typeof payload["nonce"] === "string" ? payload["nonce"] : undefined);
        }
      };
      const onError = (err: Error) => {
        cleanup();
        reject(classifySocketError(err));
      };
      const onClose = (code: number, reason: Buffer) => {
        cleanup();
        reject(closeError(code, reason.toString(), undefined));
      };
      ws.on("open", onOpen);
      ws.on("message", onMsg);
      ws.on("error", onError);
      ws.on("close", onClose);
    });
  }

  private async handshake(ws: WebSocket, nonce: string | undefined): Promise<HelloOk> {
    const params = this.connectParams(nonce);
    let closeInfo: { code: number; reason: string } | undefined;
    const onClose = (code: number, reason: Buffer) => {
      closeInfo = { code, reason: reason.toString() };
    };
    ws.on("close", onClose);
    try {
      return (await this.send(ws, "connect", params, { timeoutMs: this.connectTimeout() })) as HelloOk;
    } catch (err) {
      if (err instanceof GatewayRequestError) {
        await waitForClose(ws, 1000);
        throw closeError(closeInfo?.code ?? 0, closeInfo?.reason ?? "", toShape(err));
      }
      if (err instanceof GatewayConnectError && closeInfo) throw closeError(closeInfo.code, closeInfo.reason, undefined);
      throw err;
    } finally {
      ws.off("close", onClose);
    }
  }

  private connectParams(nonce: string | undefined): ConnectParams {
    const o = this.opts;
    const client: ClientInfo = {
      id: o.client?.id ?? "gateway-client",
      version: o.client?.version ?? "0.1.0",
      platform: o.client?.platform ?? process.platform,
      mode: o.client?.mode ?? "backend",
      ...(o.client?.displayName !== undefined ? { displayName: o.client.displayName } : {}),
      ...(o.client?.instanceId !== undefined ? { instanceId: o.client.instanceId } : {}),
    };
    const role = o.role ?? "operator";
    const scopes = o.scopes ?? (role === "operator" ? ["operator.admin"] : []);
    const token = o.token ?? o.deviceToken;
    const params: ConnectParams = { minProtocol: PROTOCOL_VERSION, maxProtocol: PROTOCOL_VERSION, client, role, scopes };
    if (o.caps) params.caps = o.caps;
    if (o.commands) params.commands = o.commands;
    if (o.permissions) params.permissions = o.permissions;
    if (token !== undefined || o.password !== undefined) {
      params.auth = {
        ...(token !== undefined ? { token } : {}),
        ...(o.password !== undefined ? { password: o.password } : {}),
      };
    }
    if (o.identity) {
      const signedAt = this.clock();
      const payload = deviceAuthPayload({
        deviceId: o.identity.deviceId,
        clientId: client.id,
        clientMode: client.mode,
        role,
        scopes,
        signedAtMs: signedAt,
        token: token ?? "",
        ...(nonce !== undefined ? { nonce } : {}),
      });
      params.device = {
        id: o.identity.deviceId,
        publicKey: o.identity.publicKey,
        signature: signPayload(o.identity, payload),
        signedAt,
        ...(nonce !== undefined ? { nonce } : {}),
      };
    }
    return params;
  }

  private send(ws: WebSocket, method: string, params: unknown, options: CallOptions): Promise<unknown> {
    const id = randomUUID();
    const frame = params === undefined ? { type: "req", id, method } : { type: "req", id, method, params };
    return new Promise((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? this.opts.requestTimeoutMs ?? 30_000;
      const timer =
        timeoutMs > 0
          ? setTimeout(() => {
              this.pending.delete(id);
              reject(new GatewayConnectError("timeout", `${method} timed out after ${timeoutMs} ms`));
            }, timeoutMs)
          : undefined;
      this.pending.set(id, { resolve, reject, timer, expectFinal: options.expectFinal ?? false, onAccepted: options.onAccepted });
      ws.send(JSON.stringify(frame), (err) => {
        if (!err) return;
        clearTimeout(timer);
        this.pending.delete(id);
        reject(new GatewayConnectError("closed", `could not send ${method}: ${err.message}`));
      });
    });
  }

  private onMessage(text: string): void {
    const frame = safeParse(text);
    if (!isObject(frame)) return;
    if (frame["type"] === "res") this.onResponse(frame as unknown as ResponseFrame);
    else if (frame["type"] === "event") this.onEventFrame(frame as unknown as EventFrame);
  }

  private onResponse(res: ResponseFrame): void {
    const p = this.pending.get(res.id);
    if (!p) return;
    const accepted = isObject(res.payload) && res.payload["status"] === "accepted";
    if (p.expectFinal && res.ok && accepted) {
      p.onAccepted?.(res.payload);
      return;
    }
    this.pending.delete(res.id);
    clearTimeout(p.timer);
    if (res.ok) p.resolve(res.payload);
    else p.reject(new GatewayRequestError(res.error ?? { code: "UNAVAILABLE", message: "request failed" }));
  }

  private onEventFrame(ev: EventFrame): void {
    if (ev.event === "tick") this.lastTickAt = this.clock();
    if (typeof ev.seq === "number") {
      if (this.lastSeq !== null && ev.seq > this.lastSeq + 1) {
        this.opts.onGap?.({ expected: this.lastSeq + 1, received: ev.seq });
      }
      this.lastSeq = ev.seq;
    }
    this.opts.onEvent?.(ev);
  }

  private onConnected(hello: HelloOk): void {
    this.helloOk = hello;
    this.backoff.reset();
    this.lastSeq = null;
    this.lastTickAt = this.clock();
    if (hello.auth) this.opts.onDeviceToken?.(hello.auth);
    const interval = hello.policy.tickIntervalMs;
    clearInterval(this.tickTimer);
    this.tickTimer = setInterval(() => {
      if (this.clock() - this.lastTickAt <= interval * 2) return;
      const ws = this.ws;
      ws?.close(CloseCode.tickTimeout, "tick timeout");
      // A dead peer never answers the close handshake; do not wait for it.
      setTimeout(() => ws?.terminate(), 1000).unref();
    }, interval);
    this.tickTimer.unref();
    this.opts.onHello?.(hello);
  }

  private onSocketClose(ws: WebSocket, code: number, reason: string): void {
    if (ws !== this.ws) return;
    const wasConnected = this.helloOk !== null;
    this.helloOk = null;
    clearInterval(this.tickTimer);
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(id);
      p.reject(closeError(code, reason, undefined));
    }
    this.opts.onClose?.(code, reason);
    if (wasConnected && this.opts.reconnect && !this.stopped) this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const delay = this.backoff.next();
    this.reconnectTimer = setTimeout(() => {
      this.connect().catch(() => {
        if (!this.stopped) this.scheduleReconnect();
      });
    }, delay);
    this.reconnectTimer.unref();
  }
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function toShape(err: GatewayRequestError): ErrorShape {
  return { code: err.code, message: err.message, ...(err.details !== undefined ? { details: err.details } : {}) };
}

function waitForClose(ws: WebSocket, ms: number): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    ws.once("close", () => {
      clearTimeout(t);
      resolve();
    });
  });
}

/** Certificate checks a self-signed gateway certificate fails (it is meant to be pinned, not chained). */
const UNTRUSTED_CERT = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "CERT_HAS_EXPIRED",
]);

function classifySocketError(err: Error): GatewayConnectError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ERR_TLS_FINGERPRINT_MISMATCH") return new GatewayConnectError("tls-fingerprint-mismatch", err.message);
  if (code !== undefined && UNTRUSTED_CERT.has(code)) {
    return new GatewayConnectError("tls-unpinned", `the gateway's TLS certificate is not trusted here (${err.message}); pin it with a fingerprint`);
  }
  if (/socket hang up/i.test(err.message)) {
    return new GatewayConnectError("unreachable", `gateway closed the connection during the upgrade (is it a TLS gateway? use wss://): ${err.message}`);
  }
  if (code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "EHOSTUNREACH" || code === "ECONNRESET") {
    return new GatewayConnectError("unreachable", `gateway unreachable: ${err.message}`);
  }
  if (/timed out|timeout/i.test(err.message)) return new GatewayConnectError("timeout", `gateway did not answer: ${err.message}`);
  return new GatewayConnectError("unreachable", `gateway connection failed: ${err.message}`);
}

function closeError(code: number, reason: string, error: ErrorShape | undefined): GatewayConnectError {
  const extra = { closeCode: code, closeReason: reason, ...(error ? { error } : {}) };
  const msg = error?.message ?? (reason || `connection closed (${code})`);
  let failure: ConnectFailure = "closed";
  if (code === CloseCode.protocolMismatch) failure = "protocol-mismatch";
  else if (error?.code === "NOT_PAIRED" || reason === "pairing required") failure = "pairing-required";
  else if (reason === "unauthorized" || error?.code === "UNAUTHORIZED") failure = "unauthorized";
  else if (code === CloseCode.policyViolation) failure = "rejected";
  return new GatewayConnectError(failure, msg, extra);
}

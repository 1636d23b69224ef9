import { randomUUID } from "node:crypto";
import type { Duplex } from "node:stream";
import WebSocket from "ws";
import {
  CloseCode,
  ConnectParamsSchema,
  PROTOCOL_VERSION,
  RequestFrameSchema,
  check,
  formatIssues,
  type ConnectParams,
  type ErrorShape,
  type HelloOk,
  type Role,
} from "@clawdbot/protocol";
import type { Logger } from "pino";
import { assertSafeShape, decodeFrame, parseFrame } from "../frames/decode.js";
import { GatewayError } from "../errors.js";
import type { PeerInfo } from "../auth/locality.js";
import type { EventSink } from "../events/broadcaster.js";
import type { Caller } from "../methods/context.js";
import type { Dispatcher } from "../methods/dispatcher.js";
import type { Authenticated, Handshake } from "./handshake.js";
import { PRE_HELLO_MAX_BYTES, setInboundLimit } from "./inbound-limit.js";
import type { GatewayMetrics } from "../metrics/metrics.js";
import { WriteBatch } from "./write-batch.js";

/** What a connection needs from the gateway. */
export interface ConnectionDeps {
  log: Logger;
  now: () => number;
  handshakeTimeoutMs: number;
  maxBufferedBytes: number;
  /** Largest inbound frame from operators and during the handshake. */
  maxPayload: number;
  /** Largest inbound frame from a connected node (snapshots, recordings). */
  nodeMaxPayload: number;
  handshake: Handshake;
  /** The connect.challenge nonce for a new socket. */
  nonce: () => string;
  dispatcher: Dispatcher;
  hello: (caller: Caller, auth: Authenticated) => HelloOk;
  onConnected: (conn: Connection, caller: Caller) => void;
  onClosed: (conn: Connection, caller: Caller | undefined) => void;
  /** Handshake outcomes and answered requests are counted here (GET /metrics). */
  metrics?: Pick<GatewayMetrics, "handshake" | "request">;
}

type State =
  | { kind: "awaiting-connect"; timer: NodeJS.Timeout }
  | { kind: "authenticating" }
  | { kind: "connected"; caller: Caller }
  | { kind: "closing"; caller: Caller | undefined };

const INVALID_FRAME_LIMIT = 50;

/** One WebSocket client: a small state machine awaiting-connect → authenticating → connected → closing. */
export class Connection implements EventSink {
  readonly connId = randomUUID();
  private state: State;
  private readonly nonce: string;
  private invalidFrames = 0;
  private readonly batch: WriteBatch;
  /** Last time anything (a frame or a pong) arrived from the peer. */
  lastSeenAt: number;

  constructor(
    private readonly ws: WebSocket,
    readonly peer: PeerInfo,
    private readonly deps: ConnectionDeps,
    socket: Duplex,
  ) {
    this.batch = new WriteBatch(socket);
    this.nonce = deps.nonce();
    const timer = setTimeout(() => this.close(CloseCode.policyViolation, "handshake timeout"), deps.handshakeTimeoutMs);
    this.state = { kind: "awaiting-connect", timer };
    this.lastSeenAt = deps.now();
    ws.on("pong", () => (this.lastSeenAt = deps.now()));
    // Until hello-ok a socket may not make the gateway hold more than PRE_HELLO_MAX_BYTES: ws refuses
    // a longer frame as soon as its header arrives (1009), before buffering any of it.
    setInboundLimit(ws, this.inboundLimit());
    ws.on("message", (data: Buffer, isBinary) => {
      this.lastSeenAt = deps.now();
      this.onMessage(isBinary ? null : data.toString());
    });
    ws.on("close", () => this.onClose());
    ws.on("error", (err) => deps.log.debug({ err: err.message, connId: this.connId }, "socket error"));
    this.sendFrame({ type: "event", event: "connect.challenge", payload: { nonce: this.nonce, ts: deps.now() } });
  }

  get role(): Role {
    return this.state.kind === "connected" ? this.state.caller.role : "operator";
  }

  get scopes(): readonly string[] {
    return this.state.kind === "connected" ? this.state.caller.scopes : [];
  }

  get caller(): Caller | undefined {
    return this.state.kind === "connected" ? this.state.caller : undefined;
  }

  /** Sends an event frame; a consumer over its buffer limit skips droppable frames or is cut off. False when not sent. */
  sendText(text: string | Buffer, droppable: boolean): boolean {
    if (this.state.kind !== "connected" || this.ws.readyState !== WebSocket.OPEN) return false;
    if (this.overBudget(text.length)) {
      if (droppable) return false;
      this.deps.log.warn({ connId: this.connId, buffered: this.ws.bufferedAmount }, "slow consumer cut off");
      this.close(CloseCode.policyViolation, "slow consumer");
      return false;
    }
    this.write(text);
    return true;
  }

  /** Sends an event to this client only (no broadcast seq). */
  sendEvent(event: string, payload: unknown): void {
    this.sendText(JSON.stringify({ type: "event", event, payload }), false);
  }

  /** Liveness probe: the peer's pong updates lastSeenAt. */
  ping(): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.ping();
  }

  /** Drops the socket without a close handshake (dead peer). */
  terminate(): void {
    this.batch.release();
    this.ws.terminate();
  }

  /** A client is slow when data is still queued for it and this frame would push it past the limit (small until hello-ok). */
  private overBudget(bytes: number): boolean {
    const limit = this.state.kind === "connected" ? this.deps.maxBufferedBytes : PRE_HELLO_MAX_BYTES;
    const queued = this.ws.bufferedAmount;
    if (queued === 0 || queued + bytes <= limit) return false;
    // Frames held for this turn's write are no backlog: write them, then see what the peer left unread.
    if (!this.batch.release()) return true;
    const left = this.ws.bufferedAmount;
    return left > 0 && left + bytes > limit;
  }

  /** The largest inbound frame in the current state: small until hello-ok, then the role's. */
  private inboundLimit(): number {
    if (this.state.kind !== "connected") return Math.min(PRE_HELLO_MAX_BYTES, this.deps.maxPayload);
    return this.state.caller.role === "node" ? this.deps.nodeMaxPayload : this.deps.maxPayload;
  }

  /** Closes with a code and reason; the close handler cleans up. */
  close(code: number, reason: string): void {
    if (this.state.kind === "awaiting-connect") clearTimeout(this.state.timer);
    if (this.state.kind !== "closing") {
      this.state = { kind: "closing", caller: this.caller };
    }
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(code, reason);
  }

  private onMessage(text: string | null): void {
    switch (this.state.kind) {
      case "awaiting-connect":
        return this.onFirstFrame(text);
      case "connected":
        return this.onRequestFrame(text, this.state.caller);
      case "authenticating":
        return this.respondIfRequest(text, new GatewayError("not_ready", "wait for hello-ok before sending requests"));
      case "closing":
        return;
    }
  }

  /** Handshake: the first frame must be a `connect` request; anything else closes 1008. */
  private onFirstFrame(text: string | null): void {
    if (this.state.kind !== "awaiting-connect") return;
    clearTimeout(this.state.timer);
    this.state = { kind: "authenticating" };
    let id: string | undefined;
    try {
      if (text === null) throw new GatewayError("handshake_required", "binary frames are not part of the protocol");
      const frame = decodeFrame(text);
      const req = check(RequestFrameSchema, frame);
      if (!req.ok) throw new GatewayError("handshake_required", "the first frame must be a connect request");
      id = req.value.id;
      if (req.value.method !== "connect") {
        throw new GatewayError("handshake_required", `the first request must be "connect", not "${req.value.method}"`);
      }
      const params = check(ConnectParamsSchema, req.value.params);
      if (!params.ok) {
        const badRole = params.issues.some((i) => i.path === "/role");
        throw new GatewayError(badRole ? "invalid_role" : "connect_invalid", `invalid connect params: ${formatIssues(params.issues)}`, {
          details: { issues: params.issues },
        });
      }
      const p = params.value;
      if (p.minProtocol > PROTOCOL_VERSION || p.maxProtocol < PROTOCOL_VERSION) {
        throw new GatewayError(
          "protocol_mismatch",
          `protocol mismatch: this gateway speaks ${PROTOCOL_VERSION}, the client ${p.minProtocol}..${p.maxProtocol}`,
        );
      }
      void this.authenticate(id, p);
    } catch (err) {
      this.failHandshake(id ?? frameId(text), err);
    }
  }

  /** The validated connect params (node claims: caps, commands, permissions). */
  connectParams: ConnectParams | undefined;

  private async authenticate(id: string, params: ConnectParams): Promise<void> {
    this.connectParams = params;
    try {
      const auth = await this.deps.handshake.authenticate(params, this.peer, this.nonce);
      if (this.state.kind !== "authenticating" || this.ws.readyState !== WebSocket.OPEN) {
        await this.deps.handshake.undelivered(auth).catch((err: unknown) =>
          this.deps.log.error({ err, connId: this.connId }, "could not withdraw a device token that was never delivered"),
        );
        return;
      }
      const c = params.client;
      const caller: Caller = {
        connId: this.connId,
        role: auth.role,
        scopes: auth.scopes,
        deviceId: auth.deviceId,
        client: c,
        remoteIp: this.peer.remoteIp,
        isLocal: this.peer.isLocal,
        presenceKey: auth.deviceId ?? c.instanceId ?? this.connId,
        viaDeviceToken: auth.viaDeviceToken,
      };
      this.state = { kind: "connected", caller };
      setInboundLimit(this.ws, this.inboundLimit());
      // Only nodes' claims are needed later; operators' connect params (signature and all) are dropped.
      if (caller.role !== "node") this.connectParams = undefined;
      this.sendFrame({ type: "res", id, ok: true, payload: this.deps.hello(caller, auth) });
      this.deps.metrics?.handshake("ok");
      this.deps.onConnected(this, caller);
    } catch (err) {
      this.failHandshake(id, err);
    }
  }

  private failHandshake(id: string | undefined, err: unknown): void {
    const gerr = err instanceof GatewayError ? err : new GatewayError("internal", "the gateway failed during the handshake");
    if (!(err instanceof GatewayError)) this.deps.log.error({ err, connId: this.connId }, "handshake failed unexpectedly");
    else this.deps.log.info({ connId: this.connId, ip: this.peer.remoteIp, reason: gerr.reason }, "connect refused");
    this.deps.metrics?.handshake("refused", gerr.reason);
    if (id !== undefined) this.sendFrame({ type: "res", id, ok: false, error: gerr.toShape() });
    const code = gerr.reason === "protocol_mismatch" ? CloseCode.protocolMismatch : CloseCode.policyViolation;
    this.close(code, gerr.closeReason);
  }

  /** After the handshake: decode → frame schema → dispatch → respond. Non-requests are dropped and logged. */
  private onRequestFrame(text: string | null, caller: Caller): void {
    let frame: unknown;
    try {
      if (text === null) throw new GatewayError("invalid_frame", "binary frame");
      frame = parseFrame(text);
    } catch (err) {
      return this.invalid(err instanceof GatewayError ? err.message : "undecodable frame", undefined);
    }
    try {
      assertSafeShape(frame);
    } catch (err) {
      const id = requestId(frame);
      const error = err instanceof GatewayError ? err : new GatewayError("invalid_frame", "unsafe frame");
      return this.invalid(error.message, id === undefined ? undefined : { id, error: error.toShape() });
    }
    const req = check(RequestFrameSchema, frame);
    if (!req.ok) {
      const id = requestId(frame);
      const err = new GatewayError("invalid_frame", `invalid request frame: ${formatIssues(req.issues)}`, {
        details: { issues: req.issues },
      });
      return this.invalid(err.message, id === undefined ? undefined : { id, error: err.toShape() });
    }
    const { id, method } = req.value;
    if (method === "connect") {
      this.respond(id, { ok: false, error: new GatewayError("invalid_frame", "already connected").toShape() });
      return;
    }
    const accept = (payload: unknown) => this.sendFrame({ type: "res", id, ok: true, payload });
    const started = process.hrtime.bigint();
    void this.deps.dispatcher.dispatch(req.value, caller, accept).then((outcome) => {
      this.deps.metrics?.request(method, outcome.ok ? "ok" : outcome.error.code, Number(process.hrtime.bigint() - started) / 1e9);
      this.respond(id, outcome);
    });
  }

  private respond(id: string, outcome: { ok: true; payload: unknown } | { ok: false; error: ErrorShape }): void {
    if (outcome.ok) this.sendFrame({ type: "res", id, ok: true, payload: outcome.payload });
    else this.sendFrame({ type: "res", id, ok: false, error: outcome.error });
  }

  /** Counts an invalid frame; answers it when it carried a request id; too many closes the socket. */
  private invalid(why: string, reply: { id: string; error: ErrorShape } | undefined): void {
    this.deps.log.debug({ connId: this.connId, why }, "invalid frame");
    if (reply) this.sendFrame({ type: "res", id: reply.id, ok: false, error: reply.error });
    if (++this.invalidFrames > INVALID_FRAME_LIMIT) this.close(CloseCode.policyViolation, "too many invalid frames");
  }

  private respondIfRequest(text: string | null, err: GatewayError): void {
    const id = frameId(text);
    if (id !== undefined) this.sendFrame({ type: "res", id, ok: false, error: err.toShape() });
  }


  /** Responses are never droppable; an oversized backlog cuts the consumer off. */
  private sendFrame(frame: object): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    const text = JSON.stringify(frame);
    if (this.overBudget(text.length)) {
      this.close(CloseCode.policyViolation, "slow consumer");
      return;
    }
    this.write(text);
  }

  /** Every frame leaves through here: batched with the rest of this turn's frames. */
  private write(text: string | Buffer): void {
    this.batch.hold();
    this.ws.send(text, { binary: false });
    this.batch.written();
  }

  private onClose(): void {
    const caller = this.state.kind === "connected" ? this.state.caller : this.state.kind === "closing" ? this.state.caller : undefined;
    if (this.state.kind === "awaiting-connect") clearTimeout(this.state.timer);
    this.state = { kind: "closing", caller };
    this.deps.onClosed(this, caller);
  }
}

/** The id of a request frame that failed a later check, so it can still be answered. */
function frameId(text: string | null): string | undefined {
  if (text === null) return undefined;
  try {
    return requestId(parseFrame(text));
  } catch {
    return undefined;
  }
}

function requestId(frame: unknown): string | undefined {
  if (frame === null || typeof frame !== "object") return undefined;
  const f = frame as Record<string, unknown>;
  return f["type"] === "req" && typeof f["id"] === "string" && f["id"].length > 0 ? f["id"] : undefined;
}

// The page's gateway connection: wait for connect.challenge → signed connect → hello-ok; then
// requests and events; on close, reconnect with backoff. One socket at a time.
//
//   idle ─start()─► connecting ─hello-ok─► connected ─close─► disconnected ─backoff─► connecting …
//                        └─ connect refused (NOT_PAIRED, …) / close ─► disconnected

import { clearDeviceToken, loadDeviceToken, loadIdentity, saveDeviceToken, signDevice, uuid } from "./identity.js";

export const PROTOCOL_VERSION = 3;
const CHALLENGE_TIMEOUT_MS = 5000;
const CONNECT_TIMEOUT_MS = 15000;
const REQUEST_TIMEOUT_MS = 30000;
/** While approval is pending, look again this often at most: the owner is approving right now. */
const PAIRING_RECHECK_MS = 2000;
/** …for as long as a pairing request lives; after that the usual backoff applies. */
const PAIRING_RECHECK_FOR_MS = 5 * 60_000;

/** A request that failed: the gateway's error (`code`, `message`, `details`) or a local one. */
export class GatewayRequestError extends Error {
  constructor(error) {
    super(error.message);
    this.name = "GatewayRequestError";
    this.code = error.code;
    this.details = error.details;
  }
}

/** Reconnect delays: doubling from `initialMs` up to `maxMs`, ±20 % jitter. */
export class Backoff {
  constructor(initialMs = 500, maxMs = 10000, random = Math.random) {
    this.initialMs = initialMs;
    this.maxMs = maxMs;
    this.random = random;
    this.attempt = 0;
  }

  next() {
    const base = Math.min(this.maxMs, this.initialMs * 2 ** this.attempt++);
    return Math.round(base * (0.8 + 0.4 * this.random()));
  }

  reset() {
    this.attempt = 0;
  }
}

/**
 * Options: `url`, `WebSocket` (constructor), `nacl`, `storage` (localStorage-like), `subtle?`,
 * `client` ({id, version, platform, mode}), `role`, `scopes`, `backoff?`, `now?` (clock), and the callbacks
 * `onStatus({state, message?, code?, retryInMs?})`, `onHello(hello)`, `onEvent(event, payload)`.
 */
export class GatewayClient {
  constructor(opts) {
    this.opts = opts;
    this.backoff = opts.backoff ?? new Backoff();
    this.ws = null;
    this.state = "idle";
    this.pending = new Map();
    this.retryTimer = undefined;
    this.watchdog = undefined;
    this.lastFrameAt = 0;
    this.failure = null;
    this.identity = null;
    this.waitingForApprovalSince = undefined;
    this.now = opts.now ?? (() => Date.now());
  }

  get connected() {
    return this.state === "connected";
  }

  start() {
    if (this.state !== "idle") return;
    this.state = "starting";
    void this.open();
  }

  stop() {
    this.state = "idle";
    clearTimeout(this.retryTimer);
    clearInterval(this.watchdog);
    const ws = this.ws;
    this.ws = null;
    if (ws) ws.close(1000, "client stopped");
    this.rejectPending("the page stopped its connection");
  }

  /** Skips the backoff wait (the browser came back online, the user asked). */
  reconnectNow() {
    if (this.state !== "disconnected") return;
    clearTimeout(this.retryTimer);
    void this.open();
  }

  /** Sends a request on the live connection; resolves with its payload or rejects with GatewayRequestError. */
  request(method, params, timeoutMs = REQUEST_TIMEOUT_MS) {
    if (this.state !== "connected") {
      return Promise.reject(new GatewayRequestError({ code: "DISCONNECTED", message: "not connected to the gateway" }));
    }
    return this.send(method, params, timeoutMs);
  }

  send(method, params, timeoutMs) {
    const id = uuid();
    const frame = params === undefined ? { type: "req", id, method } : { type: "req", id, method, params };
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new GatewayRequestError({ code: "TIMEOUT", message: `${method}: no answer from the gateway within ${timeoutMs / 1000} s` }));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.ws.send(JSON.stringify(frame));
    });
  }

  async open() {
    this.state = "connecting";
    this.status({ state: "connecting" });
    try {
      this.identity ??= await loadIdentity(this.opts.storage, this.opts.nacl, this.opts.subtle);
    } catch (err) {
      this.failure = { code: "IDENTITY", message: `cannot create this browser's device key: ${err.message}` };
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
      if (frame.type === "event" && frame.event === "connect.challenge" && this.state === "connecting") {
        clearTimeout(challengeTimer);
        void this.handshake(ws, frame.payload?.nonce);
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

  async handshake(ws, nonce) {
    if (typeof nonce !== "string" || nonce === "") {
      ws.close();
      return;
    }
    const { client, role, scopes, storage, nacl } = this.opts;
    const token = loadDeviceToken(storage, this.identity.deviceId, role);
    const signed = { clientId: client.id, clientMode: client.mode, role, scopes, signedAt: Date.now(), token, nonce };
    const params = {
      minProtocol: PROTOCOL_VERSION,
      maxProtocol: PROTOCOL_VERSION,
      client,
      role,
      scopes,
      device: signDevice(this.identity, nacl, signed),
    };
    if (token !== undefined) params.auth = { token };
    this.state = "handshaking";
    let hello;
    try {
      hello = await this.send("connect", params, CONNECT_TIMEOUT_MS);
    } catch (err) {
      if (ws !== this.ws) return;
      this.failure = { code: err.code, message: err.message };
      // A stored token the gateway no longer knows (rotated, revoked, new state dir): forget it and retry at once.
      if (token !== undefined && err.code !== "NOT_PAIRED" && err.code !== "RATE_LIMITED" && err.code !== "TIMEOUT") {
        clearDeviceToken(storage);
        this.backoff.reset();
      }
      ws.close();
      return;
    }
    if (ws !== this.ws) return;
    if (hello?.auth?.deviceToken) saveDeviceToken(storage, this.identity.deviceId, hello.auth);
    this.state = "connected";
    this.failure = null;
    this.waitingForApprovalSince = undefined;
    this.backoff.reset();
    this.startWatchdog(ws, hello?.policy?.tickIntervalMs);
    this.status({ state: "connected" });
    this.opts.onHello?.(hello);
  }

  onFrame(frame) {
    if (frame.type === "res") {
      const p = this.pending.get(frame.id);
      if (!p) return;
      this.pending.delete(frame.id);
      clearTimeout(p.timer);
      if (frame.ok) p.resolve(frame.payload);
      else p.reject(new GatewayRequestError(frame.error ?? { code: "UNAVAILABLE", message: "request failed" }));
      return;
    }
    if (frame.type !== "event" || this.state !== "connected") return;
    if (frame.event === "shutdown") {
      const { reason, restartExpectedMs } = frame.payload ?? {};
      const message = restartExpectedMs !== undefined ? "The gateway is restarting." : `The gateway stopped${reason ? ` (${reason})` : ""}.`;
      this.failure = { code: "SHUTDOWN", message: `${message} WebChat reconnects when it is back.` };
      this.backoff.reset();
    }
    this.opts.onEvent?.(frame.event, frame.payload, frame);
  }

  /** The gateway ticks every tickIntervalMs; two missed ticks mean the link is dead (close 4000). */
  startWatchdog(ws, tickIntervalMs) {
    clearInterval(this.watchdog);
    if (!(tickIntervalMs > 0)) return;
    this.watchdog = setInterval(() => {
      if (Date.now() - this.lastFrameAt > 2 * tickIntervalMs + 1000) ws.close(4000, "tick timeout");
    }, tickIntervalMs);
  }

  onClose(ev) {
    clearInterval(this.watchdog);
    this.ws = null;
    this.rejectPending("the connection to the gateway closed");
    if (this.state === "idle") return;
    if (!this.failure && ev.reason) this.failure = { code: `CLOSE_${ev.code}`, message: `connection closed: ${ev.reason}` };
    this.scheduleRetry();
  }

  scheduleRetry() {
    this.state = "disconnected";
    const f = this.failure;
    const delay = this.backoff.next();
    if (f?.code !== "NOT_PAIRED") this.waitingForApprovalSince = undefined;
    else this.waitingForApprovalSince ??= this.now();
    const eager = this.waitingForApprovalSince !== undefined && this.now() - this.waitingForApprovalSince < PAIRING_RECHECK_FOR_MS;
    const retryInMs = eager ? Math.min(delay, PAIRING_RECHECK_MS) : delay;
    this.status({ state: "disconnected", retryInMs, ...(f ? { code: f.code, message: f.message } : {}) });
    this.failure = null;
    this.retryTimer = setTimeout(() => void this.open(), retryInMs);
  }

  rejectPending(message) {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new GatewayRequestError({ code: "DISCONNECTED", message }));
      this.pending.delete(id);
    }
  }

  status(s) {
    this.opts.onStatus?.(s);
  }
}

function parse(data) {
  if (typeof data !== "string") return null;
  try {
    const frame = JSON.parse(data);
    return frame && typeof frame === "object" ? frame : null;
  } catch {
    return null;
  }
}

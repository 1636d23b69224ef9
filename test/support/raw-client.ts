import WebSocket from "ws";
import {
  PROTOCOL_VERSION,
  deviceAuthPayload,
  type ConnectParams,
} from "@clawdbot/protocol";
import { generateIdentity, signPayload, type DeviceIdentity } from "@clawdbot/protocol/client";

export type Frame = Record<string, unknown> & { type?: string; id?: string; event?: string; payload?: unknown; ok?: boolean; error?: { code: string; message: string; details?: unknown } };

/** A raw WebSocket peer that records every frame, for asserting exact wire behaviour. */
/** What a refused connect must look like: the wire error code, then a close with this reason. */
export interface Refusal {
  /** Wire error code of the `ok:false` response. */
  code: string;
  /** Close reason. */
  close: string;
  /** Close code; 1008 unless given. */
  closeCode?: number;
}

/** Resolves with the close code and reason, failing after `ms` instead of hanging the test. */
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

export class RawClient {
  readonly frames: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: { pred: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  private idSeq = 0;

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on("error", () => undefined);
    ws.on("message", (data) => {
      let f: Frame;
      try {
        f = JSON.parse(data.toString()) as Frame;
      } catch {
        return;
      }
      this.frames.push(f);
      for (const w of [...this.waiters]) {
        if (w.pred(f)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(f);
        }
      }
    });
  }

  /** Opens a socket; resolves once it is open. */
  static open(url: string, options: WebSocket.ClientOptions = {}): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, options);
      const c = new RawClient(ws);
      ws.once("open", () => resolve(c));
      ws.once("error", reject);
    });
  }

  /**
   * The first recorded frame matching `pred`, waiting up to `ms` (by default long enough for a
   * machine busy with parallel test files; tests that expect silence pass their own `ms`).
   */
  next(pred: (f: Frame) => boolean, ms = 30_000): Promise<Frame> {
    const hit = this.frames.find(pred);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const w = { pred, resolve: (f: Frame) => (clearTimeout(t), resolve(f)) };
      const t = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(new Error(`no matching frame within ${ms} ms; got ${JSON.stringify(this.frames).slice(0, 2000)}`));
      }, ms);
      this.waiters.push(w);
    });
  }

  event(name: string, ms?: number): Promise<Frame> {
    return this.next((f) => f.type === "event" && f.event === name, ms);
  }

  response(id: string, ms?: number): Promise<Frame> {
    return this.next((f) => f.type === "res" && f.id === id, ms);
  }

  async challenge(): Promise<string> {
    const f = await this.event("connect.challenge");
    return (f.payload as { nonce: string }).nonce;
  }

  sendRaw(data: string | Buffer): void {
    this.ws.send(data);
  }

  /** Sends a request and returns its response frame. */
  async request(method: string, params?: unknown, ms?: number): Promise<Frame> {
    const id = `r${++this.idSeq}`;
    this.ws.send(JSON.stringify(params === undefined ? { type: "req", id, method } : { type: "req", id, method, params }));
    return this.response(id, ms);
  }

  close(): void {
    this.ws.close();
  }

  /** Drops the TCP connection without a close handshake. */
  terminate(): void {
    this.ws.terminate();
  }
}

export interface ConnectOptions {
  identity?: DeviceIdentity | null;
  role?: "operator" | "node";
  scopes?: string[];
  token?: string;
  password?: string;
  clientId?: ConnectParams["client"]["id"];
  mode?: ConnectParams["client"]["mode"];
  nonce?: string | null;
  signedAt?: number;
  minProtocol?: number;
  maxProtocol?: number;
  instanceId?: string;
  /** Replace the signature (tampering tests). */
  signature?: (sig: string) => string;
}

/** Builds connect params signed like a real client (v2 with nonce; v1 when nonce is null). */
export function connectParams(o: ConnectOptions = {}): ConnectParams {
  const identity = o.identity === undefined ? generateIdentity() : o.identity;
  const role = o.role ?? "operator";
  const scopes = o.scopes ?? (role === "operator" ? ["operator.admin"] : []);
  const client = {
    id: o.clientId ?? "test",
    version: "1.0.0",
    platform: "linux",
    mode: o.mode ?? "test",
    ...(o.instanceId ? { instanceId: o.instanceId } : {}),
  } as ConnectParams["client"];
  const params: ConnectParams = {
    minProtocol: o.minProtocol ?? PROTOCOL_VERSION,
    maxProtocol: o.maxProtocol ?? PROTOCOL_VERSION,
    client,
    role,
    scopes,
  };
  if (o.token !== undefined || o.password !== undefined) {
    params.auth = { ...(o.token !== undefined ? { token: o.token } : {}), ...(o.password !== undefined ? { password: o.password } : {}) };
  }
  if (identity) {
    const signedAt = o.signedAt ?? Date.now();
    const nonce = o.nonce === null ? undefined : o.nonce;
    const payload = deviceAuthPayload({
      deviceId: identity.deviceId,
      clientId: client.id,
      clientMode: client.mode,
      role,
      scopes,
      signedAtMs: signedAt,
      token: o.token ?? "",
      ...(nonce !== undefined ? { nonce } : {}),
    });
    let signature = signPayload(identity, payload);
    if (o.signature) signature = o.signature(signature);
    params.device = { id: identity.deviceId, publicKey: identity.publicKey, signature, signedAt, ...(nonce !== undefined ? { nonce } : {}) };
  }
  return params;
}

/** Connect params of a node host (role node, client node-host) declaring `commands` under the system cap. */
export function nodeConnectParams(o: ConnectOptions, commands: string[]): ConnectParams {
  return { ...connectParams({ role: "node", scopes: [], clientId: "node-host", mode: "node", ...o }), caps: ["system"], commands };
}

/** Opens, waits for the challenge, sends a signed connect; returns the client and the connect response. */
export async function connectRaw(url: string, o: ConnectOptions = {}): Promise<{ client: RawClient; res: Frame }> {
  const client = await RawClient.open(url);
  const nonce = await client.challenge();
  const res = await client.request("connect", connectParams({ ...o, nonce: o.nonce === undefined ? nonce : o.nonce }));
  return { client, res };
}

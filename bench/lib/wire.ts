import { readFile, writeFile } from "node:fs/promises";
import WebSocket from "ws";
import { PROTOCOL_VERSION, deviceAuthPayload, type ClientMode, type ConnectParams } from "@clawdbot/protocol";
import { identityFromPem, identityToPem, signPayload, type DeviceIdentity } from "@clawdbot/protocol/client";

/** A pre-generated device and the device token the gateway issued when it paired it. */
export interface BenchIdentity {
  identity: DeviceIdentity;
  token: string | undefined;
}

export interface ConnectOptions {
  mode: ClientMode;
  scopes: string[];
  /** Present the device token (what real clients do after pairing); false signs without one. */
  useToken: boolean;
}

export interface Handshaken {
  ws: WebSocket;
  hello: Record<string, unknown>;
  /** Open → hello-ok, in ms. */
  ms: number;
}

/** The text of a signed `connect` request (v2 device signature over the challenge nonce). */
export function connectFrame(id: string, who: BenchIdentity, nonce: string, o: ConnectOptions): string {
  const token = o.useToken ? who.token : undefined;
  const client = { id: "test", version: "1.0.0", platform: "linux", mode: o.mode } as const;
  const signedAt = Date.now();
  const { deviceId, publicKey } = who.identity;
  const payload = deviceAuthPayload({
    deviceId,
    clientId: client.id,
    clientMode: client.mode,
    role: "operator",
    scopes: o.scopes,
    signedAtMs: signedAt,
    token: token ?? "",
    nonce,
  });
  const params: ConnectParams = {
    minProtocol: PROTOCOL_VERSION,
    maxProtocol: PROTOCOL_VERSION,
    client,
    role: "operator",
    scopes: o.scopes,
    device: { id: deviceId, publicKey, signature: signPayload(who.identity, payload), signedAt, nonce },
    ...(token !== undefined ? { auth: { token } } : {}),
  };
  return JSON.stringify({ type: "req", id, method: "connect", params });
}

export function openSocket(url: string): WebSocket {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  ws.on("error", () => undefined);
  return ws;
}

/** Opens a socket, answers connect.challenge with a signed connect and resolves at hello-ok. */
export function handshake(url: string, who: BenchIdentity, o: ConnectOptions, timeoutMs: number): Promise<Handshaken> {
  const started = performance.now();
  const ws = openSocket(url);
  return new Promise<Handshaken>((resolve, reject) => {
    const finish = (err: Error | undefined, hello?: Record<string, unknown>) => {
      clearTimeout(timer);
      ws.off("message", onMessage);
      ws.off("close", onClose);
      if (err || !hello) {
        ws.terminate();
        reject(err ?? new Error("no hello-ok"));
      } else resolve({ ws, hello, ms: performance.now() - started });
    };
    const timer = setTimeout(() => finish(new Error(`handshake timed out after ${timeoutMs} ms`)), timeoutMs);
    const onClose = (code: number, reason: Buffer) => finish(new Error(`closed ${code} ${reason.toString()} during handshake`));
    const onMessage = (data: WebSocket.RawData) => {
      let f: Record<string, unknown>;
      try {
        f = JSON.parse(data.toString()) as Record<string, unknown>;
      } catch {
        return finish(new Error("undecodable frame during handshake"));
      }
      if (f["type"] === "event" && f["event"] === "connect.challenge") {
        const nonce = (f["payload"] as { nonce: string }).nonce;
        ws.send(connectFrame("c", who, nonce, o));
      } else if (f["type"] === "res" && f["id"] === "c") {
        if (f["ok"] === true) finish(undefined, f["payload"] as Record<string, unknown>);
        else finish(new Error(`connect refused: ${JSON.stringify(f["error"])}`));
      }
    };
    ws.on("message", onMessage);
    ws.on("close", onClose);
  });
}

/** Closes normally and resolves once the socket is closed (terminating it after `ms`). */
export function closeSocket(ws: WebSocket, ms = 2000): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      ws.terminate();
      resolve();
    }, ms);
    ws.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
    ws.close(1000, "bench");
  });
}

interface StoredIdentity {
  pem: string;
  token?: string;
}

export async function saveIdentities(path: string, list: readonly BenchIdentity[]): Promise<void> {
  const stored: StoredIdentity[] = list.map((b) => ({ pem: identityToPem(b.identity), ...(b.token ? { token: b.token } : {}) }));
  await writeFile(path, JSON.stringify(stored), { mode: 0o600 });
}

export async function loadIdentities(path: string): Promise<BenchIdentity[]> {
  const stored = JSON.parse(await readFile(path, "utf8")) as StoredIdentity[];
  return stored.map((s) => ({ identity: identityFromPem(s.pem), token: s.token }));
}

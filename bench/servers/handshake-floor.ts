/**
 * The handshake floor: a bare `ws` server that does only the wire work of a gateway handshake —
 * connect.challenge with a fresh nonce, one JSON connect, one ed25519 verify of its v2 payload
 * (node:crypto on the thread pool, key objects cached, as the gateway does), and a reply the size
 * of hello-ok — with no schema checks, pairing, tokens, presence or bookkeeping. Same ws options
 * as the gateway; the gateway's handshake rate is reported against this one.
 */
import { randomBytes, verify, type KeyObject } from "node:crypto";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";
import { deviceAuthPayload, publicKeyObject, rawPublicKey, type ConnectParams } from "@clawdbot/protocol";
import { childConfig, emit, fail, listen } from "../lib/ipc.js";

interface FloorServerConfig {
  maxLifeMs: number;
}

/** About the size of a gateway hello-ok, so both servers write as many bytes. */
const HELLO_PAYLOAD = { type: "hello-ok", protocol: 3, padding: "x".repeat(1500) };

/** Verifies the signed connect on the thread pool and answers with the hello-sized reply. */
function answer(ws: WebSocket, nonce: string, req: { id: string; params: ConnectParams }, keys: Map<string, KeyObject>): void {
  const { device, client, role, scopes, auth } = req.params;
  if (!device) return ws.close(1008, "no device");
  let key = keys.get(device.publicKey);
  if (!key) keys.set(device.publicKey, (key = publicKeyObject(rawPublicKey(device.publicKey)!)));
  const payload = deviceAuthPayload({
    deviceId: device.id,
    clientId: client.id,
    clientMode: client.mode,
    role: role ?? "operator",
    scopes: scopes ?? [],
    signedAtMs: device.signedAt,
    token: auth?.token ?? "",
    nonce,
  });
  verify(null, Buffer.from(payload), key, Buffer.from(device.signature, "base64url"), (err, ok) => {
    if (err || !ok) return ws.close(1008, "device signature invalid");
    ws.send(JSON.stringify({ type: "res", id: req.id, ok: true, payload: HELLO_PAYLOAD }));
  });
}

function main(): void {
  const { maxLifeMs } = childConfig<FloorServerConfig>();
  const keys = new Map<string, KeyObject>();
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, maxPayload: 512 * 1024, perMessageDeflate: false, clientTracking: false });
  wss.on("connection", (ws) => {
    const nonce = randomBytes(32).toString("base64url");
    ws.on("error", () => undefined);
    ws.send(JSON.stringify({ type: "event", event: "connect.challenge", payload: { nonce, ts: Date.now() } }));
    ws.once("message", (data) => {
      try {
        answer(ws, nonce, JSON.parse(data.toString()) as { id: string; params: ConnectParams }, keys);
      } catch {
        ws.close(1008, "invalid connect");
      }
    });
  });
  wss.on("listening", () => emit({ type: "ready", port: (wss.address() as AddressInfo).port, pid: process.pid }));
  listen(() => undefined, () => process.exit(0), maxLifeMs);
}

try {
  main();
} catch (err) {
  fail(err);
}

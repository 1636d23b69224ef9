// A tiny protocol-v3 peer on loopback port 0 for GatewayClient tests: it sends connect.challenge,
// answers connect with a schema-valid hello-ok, and lets the test script everything after that.
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import WebSocket, { WebSocketServer } from "ws";
import { EVENT_NAMES, METHOD_NAMES, PROTOCOL_VERSION, type HelloOk } from "@clawdbot/protocol";

export interface FakePeer {
  ws: WebSocket;
  /** Resolves with the close code and reason the server side saw. */
  closed: Promise<{ code: number; reason: string }>;
  /** Requests received after connect. */
  requests: { id: string; method: string; params?: unknown }[];
  event(event: string, payload: unknown, seq?: number): void;
  respond(id: string, ok: boolean, payloadOrError: unknown): void;
}

export interface FakeGateway {
  url: string;
  /** Resolves with the next peer that completes connect. */
  nextPeer(): Promise<FakePeer>;
  close(): Promise<void>;
}

export interface FakeOptions {
  tickIntervalMs?: number;
  /** Called for each request after connect; answer with peer.respond (or not at all). */
  onRequest?: (peer: FakePeer, req: { id: string; method: string; params?: unknown }) => void;
}

export function fakeHello(tickIntervalMs: number): HelloOk {
  return {
    type: "hello-ok",
    protocol: PROTOCOL_VERSION,
    server: { version: "0.0.0-fake", connId: randomBytes(8).toString("hex") },
    features: { methods: [...METHOD_NAMES], events: [...EVENT_NAMES] },
    snapshot: { presence: [], health: { ok: true }, stateVersion: { presence: 0, health: 0 }, uptimeMs: 0 },
    policy: { maxPayload: 512 * 1024, maxBufferedBytes: 1024 * 1024, tickIntervalMs },
  };
}

export async function startFakeGateway(opts: FakeOptions = {}): Promise<FakeGateway> {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) => wss.once("listening", () => resolve()));
  const waiting: ((p: FakePeer) => void)[] = [];
  const ready: FakePeer[] = [];

  wss.on("connection", (ws) => {
    const send = (frame: object) => ws.readyState === WebSocket.OPEN && ws.send(JSON.stringify(frame));
    const peer: FakePeer = {
      ws,
      closed: new Promise((resolve) => ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() }))),
      requests: [],
      event: (event, payload, seq) => send({ type: "event", event, payload, ...(seq === undefined ? {} : { seq }) }),
      respond: (id, ok, body) => send(ok ? { type: "res", id, ok, payload: body } : { type: "res", id, ok, error: body }),
    };
    ws.on("error", () => undefined);
    ws.on("message", (data) => {
      const req = JSON.parse(data.toString()) as { id: string; method: string; params?: unknown };
      if (req.method === "connect") {
        peer.respond(req.id, true, fakeHello(opts.tickIntervalMs ?? 30_000));
        const w = waiting.shift();
        if (w) w(peer);
        else ready.push(peer);
        return;
      }
      peer.requests.push(req);
      opts.onRequest?.(peer, req);
    });
    send({ type: "event", event: "connect.challenge", payload: { nonce: randomBytes(32).toString("base64url"), ts: Date.now() } });
  });

  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    nextPeer: () => {
      const p = ready.shift();
      return p ? Promise.resolve(p) : new Promise((resolve) => waiting.push(resolve));
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close(() => resolve());
      }),
  };
}

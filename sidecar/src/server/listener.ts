import { createServer, type IncomingMessage, type RequestListener, type Server } from "node:http";
import { createServer as createTlsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import type { Logger } from "pino";
import { classifyPeer, type PeerInfo, type ProxyConfig } from "../auth/locality.js";
import { originAllowed } from "./origin.js";
import type { TlsMaterial } from "./tls.js";

export interface ListenerDeps {
  log: Logger;
  tls: TlsMaterial | undefined;
  /** Plain HTTP routes on the same port (health, WebChat, …). */
  http: RequestListener;
  /** Largest frame ws will assemble for a new socket; the connection raises it per role after hello-ok. */
  maxPayload: number;
  /** Read at every upgrade so a config reload applies at once. */
  allowedOrigins: () => readonly string[];
  /** Whether a request's Host header names this machine (DNS rebinding defence); every HTTP and upgrade request. */
  hostAllowed: (host: string | undefined) => boolean;
  proxies: () => ProxyConfig;
  /** While true, upgrades are answered 503. */
  stopping: () => boolean;
  /** A socket that passed the upgrade checks. */
  onSocket: (ws: WebSocket, peer: PeerInfo, socket: Duplex) => void;
}

/** The gateway's one port: an HTTP(S) server whose upgrades become WebSocket connections. */
export class Listener {
  private readonly server: Server;
  private readonly wss: WebSocketServer;
  private boundPort = 0;

  constructor(private readonly deps: ListenerDeps) {
    const { tls } = deps;
    const http: RequestListener = (req, res) => {
      if (this.hostRefused(req)) {
        res.writeHead(403, { "content-type": "text/plain; charset=utf-8", connection: "close" }).end("host not allowed\n");
        return;
      }
      deps.http(req, res);
    };
    this.server = tls ? createTlsServer({ cert: tls.cert, key: tls.key }, http) : createServer(http);
    // The gateway tracks its connections itself; ws need not keep a second set.
    this.wss = new WebSocketServer({ noServer: true, clientTracking: false, maxPayload: deps.maxPayload, perMessageDeflate: false });
    this.server.on("upgrade", (req, socket, head) => this.onUpgrade(req, socket, head));
    this.server.on("clientError", (_err, socket) => socket.destroy());
  }

  /** The port actually bound (useful with port 0); 0 before listening. */
  get port(): number {
    return this.boundPort;
  }

  /** Binds host:port; rejects with the listen error (EADDRINUSE, EADDRNOTAVAIL, …). */
  async listen(host: string, port: number): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        this.server.off("error", reject);
        resolve();
      });
    });
    this.boundPort = (this.server.address() as AddressInfo).port;
    return this.boundPort;
  }

  /** Stops accepting; after `graceMs` the sockets still open are cut. */
  close(graceMs: number, cut: () => void): Promise<void> {
    return new Promise<void>((resolve) => {
      this.server.close(() => {
        this.wss.close();
        resolve();
      });
      setTimeout(() => {
        cut();
        this.server.closeAllConnections();
      }, graceMs).unref();
    });
  }

  private hostRefused(req: IncomingMessage): boolean {
    if (this.deps.hostAllowed(req.headers.host)) return false;
    this.deps.log.warn({ host: req.headers.host, ip: req.socket.remoteAddress, url: req.url }, "request refused: Host is not this machine");
    return true;
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on("error", () => socket.destroy());
    if (this.deps.stopping()) {
      socket.end("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n");
      return;
    }
    if (this.hostRefused(req)) {
      socket.end("HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\nhost not allowed\n");
      return;
    }
    if (!originAllowed(req.headers, this.deps.allowedOrigins())) {
      this.deps.log.warn({ origin: req.headers.origin }, "websocket upgrade refused: origin not allowed");
      socket.end("HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\norigin not allowed\n");
      return;
    }
    // The 101 answer and connect.challenge leave in one write (ws completes the upgrade synchronously).
    socket.cork();
    try {
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        this.deps.onSocket(ws, classifyPeer(req.socket.remoteAddress, req.headers, this.deps.proxies()), socket);
      });
    } finally {
      socket.uncork();
    }
  }
}

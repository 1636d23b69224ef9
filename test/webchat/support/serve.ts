// HTTP servers for the WebChat tests: the handler alone, the page's origin (the gateway, or a
// same-origin stand-in until the gateway serves the page), and a foreign site.
import { createServer, request, type IncomingMessage, type ServerResponse, type Server } from "node:http";
import { connect, type AddressInfo, type Socket } from "node:net";
import type { PageHandler } from "../../../sidecar/src/web/static.js";
import { createWebchatHandler } from "../../../sidecar/src/web/webchat.js";

export interface Served {
  server: Server;
  port: number;
  origin: string;
  close(): Promise<void>;
}

/** Listens on an ephemeral loopback port; `close()` also cuts open connections (sockets, keep-alive). */
export async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Served> {
  const server = createServer(handler);
  const sockets = new Set<Socket>();
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The handler behind a server that marks requests it declined (`x-handled: no`, 404). */
export function serveHandler(handler: PageHandler): Promise<Served> {
  return listen((req, res) => {
    if (handler(req, res)) return;
    res.writeHead(404, { "x-handled": "no", "content-type": "text/plain" });
    res.end("declined\n");
  });
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | undefined>;
  body: Buffer;
  /** False when the handler declined the request (see serveHandler). */
  handled: boolean;
}

/** A GET (or `method`) with the path sent exactly as written: no normalization, no encoding. */
export function rawGet(port: number, path: string, opts: { method?: string; headers?: Record<string, string> } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method: opts.method ?? "GET", headers: opts.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const headers: Record<string, string | undefined> = {};
        for (const [k, v] of Object.entries(res.headers)) headers[k] = Array.isArray(v) ? v.join(", ") : v;
        resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks), handled: headers["x-handled"] !== "no" });
      });
    });
    req.on("error", reject);
    req.end();
  });
}

export interface PageSite extends Served {
  /** True when the gateway itself served the page; false for the same-origin stand-in. */
  viaGateway: boolean;
}

/**
 * Where the browser loads WebChat from: the gateway's own port once it serves the page. Until
 * then, a stand-in on another port that serves the page with createWebchatHandler() and pipes
 * WebSocket upgrades byte for byte to the gateway, so the page still talks to the real gateway
 * through its own origin (Host and Origin arrive unchanged, so the gateway sees a same-origin,
 * local browser). `gatewayPort` may stop and come back (restart tests).
 */
export async function pageSite(gatewayPort: number): Promise<PageSite> {
  const probe = await rawGet(gatewayPort, "/chat").catch(() => undefined);
  if (probe?.status === 200 && probe.body.toString().includes('id="messages"')) {
    return { server: undefined as unknown as Server, port: gatewayPort, origin: `http://127.0.0.1:${gatewayPort}`, viaGateway: true, close: async () => undefined };
  }
  const served = await serveHandler(createWebchatHandler());
  served.server.on("upgrade", (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const upstream = connect(gatewayPort, "127.0.0.1");
    const cut = () => {
      socket.destroy();
      upstream.destroy();
    };
    socket.on("error", cut);
    upstream.on("error", cut);
    upstream.on("connect", () => {
      const lines = [`${req.method ?? "GET"} ${req.url ?? "/"} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      upstream.write(`${lines.join("\r\n")}\r\n\r\n`);
      if (head.length > 0) upstream.write(head);
      socket.pipe(upstream).pipe(socket);
    });
  });
  return { ...served, viaGateway: false };
}

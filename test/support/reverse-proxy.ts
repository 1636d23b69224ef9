// A reverse proxy on 127.0.0.1 for pages and WebSocket upgrades, configured like the nginx setups
// people run: it stands for a remote client at `clientAddress` ($remote_addr) and writes that
// address into the header its mode names, passing every header the client sent through unless told
// otherwise. A browser pointed at it is, for the gateway, a browser on another machine.
import { createServer, request, type IncomingMessage, type Server } from "node:http";
import { connect } from "node:net";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";

export type ProxyMode =
  /** `proxy_set_header X-Real-IP $remote_addr` (the client's X-Forwarded-For passes through). */
  | "x-real-ip"
  /** `proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for`. */
  | "append-x-forwarded-for"
  /** Appends `for=<address>` to RFC 7239 Forwarded. */
  | "append-forwarded"
  /** Adds nothing. */
  | "none";

export interface ReverseProxy {
  /** ws:// URL of the proxy (Host is passed through as the client sent it). */
  url: string;
  /** http:// origin of the proxy, for pages. */
  origin: string;
  /** The simulated remote address of the next connections. */
  clientAddress: string;
  close(): Promise<void>;
}

/** The loopback address the proxy connects from, so direct loopback clients stay apart from it. */
export const PROXY_ADDRESS = "127.0.0.2";

/** Starts a proxy in front of the gateway on `targetPort`; it connects from PROXY_ADDRESS. */
export async function startReverseProxy(targetPort: number, mode: ProxyMode, clientAddress: string): Promise<ReverseProxy> {
  const server: Server = createServer((req, res) => {
    const upstream = request(
      { host: "127.0.0.1", port: targetPort, localAddress: PROXY_ADDRESS, method: req.method, path: req.url, headers: headerPairs(req, mode, proxy.clientAddress).flat() },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on("error", () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  const sockets = new Set<Duplex>();
  const proxy: ReverseProxy = {
    url: "",
    origin: "",
    clientAddress,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const upstream = connect({ port: targetPort, host: "127.0.0.1", localAddress: PROXY_ADDRESS });
    sockets.add(socket).add(upstream);
    socket.on("error", () => upstream.destroy());
    upstream.on("error", () => socket.destroy());
    socket.on("close", () => sockets.delete(socket));
    upstream.on("close", () => sockets.delete(upstream));
    upstream.write(requestHead(req, mode, proxy.clientAddress));
    if (head.length > 0) upstream.write(head);
    socket.pipe(upstream).pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  proxy.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.url = proxy.origin.replace("http:", "ws:");
  return proxy;
}

function requestHead(req: IncomingMessage, mode: ProxyMode, client: string): string {
  const lines = [`${req.method} ${req.url} HTTP/1.1`, ...headerPairs(req, mode, client).map(([k, v]) => `${k}: ${v}`)];
  return `${lines.join("\r\n")}\r\n\r\n`;
}

/** The request's headers as sent upstream: the client's, with the mode's header written by the proxy. */
function headerPairs(req: IncomingMessage, mode: ProxyMode, client: string): [string, string][] {
  const pairs: [string, string][] = [];
  const raw = req.rawHeaders;
  const set = (name: string) => (mode === "x-real-ip" && name === "x-real-ip") || (mode === "append-x-forwarded-for" && name === "x-forwarded-for") || (mode === "append-forwarded" && name === "forwarded");
  for (let i = 0; i < raw.length; i += 2) {
    if (!set(raw[i]!.toLowerCase())) pairs.push([raw[i]!, raw[i + 1]!]);
  }
  const prior = (name: string) => req.headers[name] as string | undefined;
  if (mode === "x-real-ip") pairs.push(["X-Real-IP", client]);
  if (mode === "append-x-forwarded-for") pairs.push(["X-Forwarded-For", `${prior("x-forwarded-for") ? `${prior("x-forwarded-for")}, ` : ""}${client}`]);
  if (mode === "append-forwarded") pairs.push(["Forwarded", `${prior("forwarded") ? `${prior("forwarded")}, ` : ""}for=${client.includes(":") ? `"[${client}]"` : client}`]);
  return pairs;
}

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createTlsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { pipeline } from "node:stream";
import type { Logger } from "pino";
import { DEFAULT_CANVAS_PORT } from "../config/index.js";
import { DEFAULT_A2UI_BUNDLE, DEFAULT_ASSET_DIR, loadCanvasAssets, type CanvasAssets } from "./assets.js";
import type { CanvasFiles } from "./files.js";
import { injectLiveReload, LiveReloadHub } from "./live-reload.js";
import { contentTypeOf, isHtml } from "./mime.js";
import { routeOf, type CanvasRoute, type InternalName } from "./request-path.js";
import { CAPABILITY_PREFIX, INTERNAL_SCOPE, splitCapability, type CanvasCapabilities } from "./capability.js";
import { lookupSessionEntry, openRegularFile } from "./session-file.js";
import { CanvasWatcher, type WatchMode } from "./watcher.js";

export interface CanvasHostOptions {
  files: CanvasFiles;
  /** Bind address (the gateway's). */
  host: string;
  /** Default 18793; 0 picks a free port. */
  port?: number;
  log: Logger;
  /** Serve https:// (and wss:// for live reload) with the gateway's certificate. */
  tls?: { cert: string; key: string };
  /** The host's own files (default `sidecar/canvas-assets/`). */
  assetDir?: string;
  /** The A2UI renderer bundle (default `sidecar/dist-canvas/a2ui.js`). */
  a2uiBundle?: string;
  /** File watching strategy (default: recursive where the platform has it). */
  watchMode?: WatchMode;
  /** Whether a request's Host names this machine (DNS rebinding defence); every name passes when absent. */
  hostAllowed?: (host: string | undefined) => boolean;
  /** When set (the host is reachable beyond loopback), every session and A2UI page needs its capability. */
  capabilities?: CanvasCapabilities;
}

const TEXT = "text/plain; charset=utf-8";
const JS = "text/javascript; charset=utf-8";
const HTML = "text/html; charset=utf-8";

/** The A2UI page runs only its own bundle; agent content may show images and media from anywhere. */
const A2UI_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob: http: https:",
  "media-src 'self' data: blob: http: https:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "frame-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

/**
 * Session pages are agent-written: they may run their own scripts and fetch from the web, but they
 * are never framed, and the only socket they may open is the canvas host's own (never the
 * gateway's, whose port is another origin).
 */
function sessionCsp(req: IncomingMessage, tls: boolean): string {
  const own = req.headers.host ? ` ${tls ? "wss" : "ws"}://${req.headers.host}` : "";
  return [
    `connect-src 'self'${own} https: data: blob:`,
    "frame-src 'self' https: data: blob:",
    "child-src 'self' https: data: blob:",
    "frame-ancestors 'none'",
    "base-uri 'self'",
  ].join("; ");
}

/**
 * The canvas host: a small web server on its own port that serves `<stateDir>/canvas/<session>/`
 * at `/<session>/`, reloads open pages when their files change, and serves the A2UI page at
 * `/__clawdbot__/a2ui/`. Only GET and HEAD; nothing outside a session folder is ever served.
 */
export class CanvasHost {
  private readonly server: Server;
  private readonly hub: LiveReloadHub;
  private readonly watcher: CanvasWatcher;
  private readonly assets: CanvasAssets;
  private readonly log: Logger;
  private boundUrl: string | undefined;

  constructor(private readonly opts: CanvasHostOptions) {
    this.log = opts.log;
    this.assets = loadCanvasAssets(opts.assetDir ?? DEFAULT_ASSET_DIR, opts.a2uiBundle ?? DEFAULT_A2UI_BUNDLE, opts.log);
    this.hub = new LiveReloadHub(opts.log);
    this.watcher = new CanvasWatcher({
      root: opts.files.root,
      log: opts.log,
      onChange: (session) => this.onFilesChanged(session),
      ...(opts.watchMode ? { mode: opts.watchMode } : {}),
    });
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      this.handle(req, res).catch((err: unknown) => this.failed(res, err));
    };
    this.server = opts.tls ? createTlsServer({ cert: opts.tls.cert, key: opts.tls.key }, handler) : createServer(handler);
    this.server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head));
    this.server.on("clientError", (_err, socket: Duplex) => socket.destroy());
  }

  /** Starts the file watcher and the server; resolves once the port is bound. */
  async listen(): Promise<{ port: number; url: string }> {
    await this.watcher.start();
    try {
      await new Promise<void>((resolve, reject) => {
        this.server.once("error", reject);
        this.server.listen(this.opts.port ?? DEFAULT_CANVAS_PORT, this.opts.host, () => {
          this.server.off("error", reject);
          resolve();
        });
      });
    } catch (err) {
      this.watcher.close();
      throw err;
    }
    const { port } = this.server.address() as AddressInfo;
    this.boundUrl = `${this.opts.tls ? "https" : "http"}://${urlHost(this.opts.host)}:${port}`;
    this.log.info(
      { url: this.boundUrl, watch: this.watcher.mode, a2ui: this.assets.a2uiBuilt, capabilities: this.opts.capabilities !== undefined },
      "canvas host listening",
    );
    return { port, url: this.publicUrl() ?? this.boundUrl };
  }

  /** The base URL handed to clients (hello-ok.canvasHostUrl): with the A2UI capability when one is needed. */
  publicUrl(): string | undefined {
    if (this.boundUrl === undefined) return undefined;
    const caps = this.opts.capabilities;
    return caps ? `${this.boundUrl}/${CAPABILITY_PREFIX}/${caps.token(INTERNAL_SCOPE)}` : this.boundUrl;
  }

  /** The URL of a session's folder, with its capability when one is needed; undefined before listening. */
  sessionUrl(session: string): string | undefined {
    if (this.boundUrl === undefined) return undefined;
    const caps = this.opts.capabilities;
    return `${this.boundUrl}${caps ? `/${CAPABILITY_PREFIX}/${caps.token(session)}` : ""}/${encodeURIComponent(session)}/`;
  }

  /** Base URL once listening (`http://host:port`, no trailing slash). */
  get url(): string | undefined {
    return this.boundUrl;
  }

  /** Hands A2UI messages to every open A2UI page over the canvas WebSocket; pages reached. */
  pushA2ui(messages: unknown[]): number {
    return this.hub.pushA2ui(messages);
  }

  /** Clears every open A2UI page; pages reached. */
  resetA2ui(): number {
    return this.hub.resetA2ui();
  }

  /** Stops the watcher, closes page sockets and the server (open HTTP connections are cut). */
  async close(): Promise<void> {
    this.watcher.close();
    await this.hub.close();
    if (!this.server.listening) return;
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private onFilesChanged(session: string | null): void {
    const pages = this.hub.reload(session);
    if (pages > 0) this.log.debug({ session, pages }, "canvas changed; pages reloading");
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on("error", () => socket.destroy());
    if (!this.hostOk(req)) {
      socket.end("HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    const cap = splitCapability(req.url);
    const route = routeOf(cap.url);
    if (route.kind !== "internal" || route.name !== "ws") {
      socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    const query = new URL(cap.url, "http://canvas.invalid").searchParams;
    const scope = query.has("a2ui") ? INTERNAL_SCOPE : (query.get("session") ?? INTERNAL_SCOPE);
    if (!this.capabilityOk(scope, cap.token, req)) {
      socket.end("HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    this.hub.handleUpgrade(req, socket, head);
  }

  /** Without capabilities everything passes; with them, the path token or the scope's cookie must prove `scope`. */
  private capabilityOk(scope: string, token: string | undefined, req: IncomingMessage): boolean {
    const caps = this.opts.capabilities;
    if (!caps || caps.allows(scope, token, req)) return true;
    this.log.warn({ scope, url: req.url, ip: req.socket.remoteAddress }, "canvas request refused: no capability for this page");
    return false;
  }

  private hostOk(req: IncomingMessage): boolean {
    if (this.opts.hostAllowed?.(req.headers.host) ?? true) return true;
    this.log.warn({ host: req.headers.host, url: req.url }, "canvas request refused: Host is not this machine");
    return false;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.hostOk(req)) return send(req, res, 403, TEXT, "host not allowed\n");
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("allow", "GET, HEAD");
      return send(req, res, 405, TEXT, "method not allowed\n");
    }
    const cap = splitCapability(req.url);
    const route = routeOf(cap.url);
    const scope = scopeOf(route);
    if (scope !== undefined && !this.capabilityOk(scope, cap.token, req)) {
      return send(req, res, 403, TEXT, "this canvas page needs the capability URL the gateway handed out\n");
    }
    if (scope !== undefined && cap.token !== undefined && this.opts.capabilities) {
      res.setHeader("set-cookie", this.opts.capabilities.setCookie(scope, this.opts.tls !== undefined));
    }
    switch (route.kind) {
      case "refused":
        this.log.debug({ url: req.url, reason: route.reason }, "canvas request refused");
        return send(req, res, route.status, TEXT, route.status === 400 ? "bad request\n" : "not found\n");
      case "redirect":
        res.setHeader("location", `${cap.prefix}${route.location}`);
        return send(req, res, 301, TEXT, "moved\n");
      case "internal":
        return this.serveInternal(req, res, route.name);
      case "session":
        return this.serveSession(req, res, route);
    }
  }

  private serveInternal(req: IncomingMessage, res: ServerResponse, name: InternalName): void {
    const { liveJs, a2uiHtml } = this.assets;
    switch (name) {
      case "live.js":
        return send(req, res, 200, JS, liveJs);
      case "ws":
        return send(req, res, 426, TEXT, "this is the canvas WebSocket; connect with an Upgrade request\n");
      case "a2ui.html":
      case "a2ui.js": {
        const a2uiJs = this.assets.a2uiJs();
        if (!a2uiJs) return send(req, res, 503, TEXT, "the A2UI renderer is not built: run `node scripts/build-a2ui.mjs`\n");
        if (name === "a2ui.js") return send(req, res, 200, JS, a2uiJs);
        res.setHeader("content-security-policy", A2UI_CSP);
        res.setHeader("x-frame-options", "DENY");
        return send(req, res, 200, HTML, a2uiHtml);
      }
    }
  }

  private async serveSession(req: IncomingMessage, res: ServerResponse, route: Extract<CanvasRoute, { kind: "session" }>): Promise<void> {
    const { files } = this.opts;
    const { session, segments } = route;
    res.setHeader("content-security-policy", sessionCsp(req, this.opts.tls !== undefined));
    res.setHeader("x-frame-options", "DENY");
    const entry = await lookupSessionEntry(files, session, segments);
    switch (entry.kind) {
      case "outside":
        this.log.warn({ session, path: entry.path }, "canvas request refused: the path resolves outside the session folder");
        return send(req, res, 404, TEXT, "not found\n");
      case "missing":
        if (segments.length === 0) return this.sendScaffold(req, res, session);
        return send(req, res, 404, TEXT, "not found\n");
      case "file":
        if (route.directory) return send(req, res, 404, TEXT, "not found\n");
        return this.sendFile(req, res, session, entry.path, segments[segments.length - 1] ?? "");
      case "directory": {
        if (!route.directory) {
          const raw = req.url ?? "/";
          const q = raw.search(/[?#]/);
          res.setHeader("location", q === -1 ? `${raw}/` : `${raw.slice(0, q)}/${raw.slice(q)}`);
          return send(req, res, 301, TEXT, "moved\n");
        }
        const index = await lookupSessionEntry(files, session, [...segments, "index.html"]);
        if (index.kind === "file") return this.sendFile(req, res, session, index.path, "index.html");
        if (index.kind === "outside") this.log.warn({ session, path: index.path }, "canvas index.html resolves outside the session folder");
        if (segments.length === 0) return this.sendScaffold(req, res, session);
        return send(req, res, 404, TEXT, "not found\n");
      }
    }
  }

  private sendScaffold(req: IncomingMessage, res: ServerResponse, session: string): void {
    send(req, res, 200, HTML, injectLiveReload(this.assets.scaffold(session), this.hub.version(session)));
  }

  /** A session file: HTML with the live-reload script, anything else streamed as is. */
  private async sendFile(req: IncomingMessage, res: ServerResponse, session: string, path: string, name: string): Promise<void> {
    const opened = await openRegularFile(path);
    if (!opened) return send(req, res, 404, TEXT, "not found\n");
    const { handle, size, mtimeMs } = opened;
    const type = contentTypeOf(name);
    // HTML carries the session version in its live-reload tag: a cached copy is valid for that version only.
    const version = isHtml(type) ? this.hub.version(session) : undefined;
    const etag = `W/"${size.toString(16)}-${Math.floor(mtimeMs).toString(16)}${version ? `-${version}` : ""}"`;
    res.setHeader("etag", etag);
    res.setHeader("last-modified", new Date(mtimeMs).toUTCString());
    if (req.headers["if-none-match"] === etag) {
      await handle.close();
      res.writeHead(304, { "x-content-type-options": "nosniff", "cache-control": "no-cache" }).end();
      return;
    }
    if (version !== undefined) {
      const text = await handle.readFile("utf8").finally(() => handle.close());
      return send(req, res, 200, type, injectLiveReload(text, version));
    }
    if (req.method === "HEAD") {
      await handle.close();
      return send(req, res, 200, type, undefined, size);
    }
    writeHead(res, 200, type, size);
    pipeline(handle.createReadStream(), res, (err) => {
      if (err && err.code !== "ERR_STREAM_PREMATURE_CLOSE") this.log.warn({ err, path }, "canvas file read failed");
    });
  }

  private failed(res: ServerResponse, err: unknown): void {
    this.log.error({ err }, "canvas request failed");
    if (res.headersSent) res.destroy();
    else {
      res.writeHead(500, { "content-type": TEXT, "x-content-type-options": "nosniff" });
      res.end("internal error\n");
    }
  }
}

function writeHead(res: ServerResponse, status: number, type: string, length: number): void {
  res.writeHead(status, { "content-type": type, "content-length": length, "x-content-type-options": "nosniff", "cache-control": "no-cache" });
}

/** A whole response; HEAD gets the same headers without the body. */
function send(req: IncomingMessage, res: ServerResponse, status: number, type: string, body: string | Buffer | undefined, length?: number): void {
  const buf = typeof body === "string" ? Buffer.from(body) : body;
  writeHead(res, status, type, buf?.length ?? length ?? 0);
  res.end(req.method === "HEAD" ? undefined : buf);
}

function urlHost(host: string): string {
  if (host === "0.0.0.0") return "127.0.0.1";
  if (host === "::") return "[::1]";
  return host.includes(":") ? `[${host}]` : host;
}

/** What a route needs a capability for: its session, the A2UI page, or nothing (public assets, refusals). */
function scopeOf(route: CanvasRoute): string | undefined {
  if (route.kind === "session") return route.session;
  if (route.kind === "internal" && (route.name === "a2ui.html" || route.name === "a2ui.js")) return INTERNAL_SCOPE;
  return undefined;
}

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

/** Answers a request when it belongs to the WebChat page; returns false to let the caller go on. */
export type WebchatHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

export interface WebchatOptions {
  /** Folder holding the page's files (default: `sidecar/webchat/`, next to `src/` and `dist/`). */
  assetDir?: string;
  /** tweetnacl's browser build (default: resolved from the installed `tweetnacl` package). */
  naclPath?: string;
}

interface Asset {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
}

const TYPES = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  svg: "image/svg+xml",
} as const;

/** The only files ever served: request path → file name. Nothing else is looked up on disk. */
const ROUTES: Readonly<Record<string, string>> = {
  "/": "index.html",
  "/chat": "index.html",
  "/chat/": "index.html",
  "/webchat/": "index.html",
  "/webchat/index.html": "index.html",
  "/webchat/app.js": "app.js",
  "/webchat/client.js": "client.js",
  "/webchat/identity.js": "identity.js",
  "/webchat/transcript.js": "transcript.js",
  "/webchat/style.css": "style.css",
  "/webchat/icon.svg": "icon.svg",
  "/webchat/nacl.min.js": "nacl.min.js",
};

/** A host header we are willing to repeat inside the CSP (name or IP literal, optional port). */
const SAFE_HOST = /^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

/**
 * Serves the WebChat page from a fixed allowlist of files read once, here, at start-up.
 * Paths under `/webchat/` that are not on the list answer 404; every other path is left alone.
 */
export function createWebchatHandler(opts: WebchatOptions = {}): WebchatHandler {
  const assets = loadAssets(opts.assetDir ?? fileURLToPath(new URL("../../webchat/", import.meta.url)), opts.naclPath);
  return (req, res) => {
    const path = pathOf(req.url);
    const name = ROUTES[path];
    if (name === undefined) {
      if (path !== "/webchat" && !path.startsWith("/webchat/")) return false;
      reply(res, req, 404, plain("not found\n"));
      return true;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("allow", "GET, HEAD");
      reply(res, req, 405, plain("method not allowed\n"));
      return true;
    }
    serve(req, res, assets.get(name)!);
    return true;
  };
}

function loadAssets(dir: string, naclPath: string | undefined): Map<string, Asset> {
  const nacl = naclPath ?? createRequire(import.meta.url).resolve("tweetnacl/nacl-fast.min.js");
  const files = new Set(Object.values(ROUTES));
  const out = new Map<string, Asset>();
  for (const name of files) {
    const file = name === "nacl.min.js" ? nacl : `${dir.replace(/\/?$/, "/")}${name}`;
    let body: Buffer;
    try {
      body = readFileSync(file);
    } catch (err) {
      throw new Error(`webchat: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)}); is the install complete?`);
    }
    out.set(name, { body, type: TYPES[extension(name)], etag: etagOf(body) });
  }
  return out;
}

function extension(name: string): keyof typeof TYPES {
  const ext = name.slice(name.lastIndexOf(".") + 1);
  if (ext in TYPES) return ext as keyof typeof TYPES;
  throw new Error(`webchat: no content type for ${name}`);
}

function etagOf(body: Buffer): string {
  return `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`;
}

/** The raw path of the request target, query and fragment dropped, nothing decoded or normalized. */
function pathOf(url: string | undefined): string {
  const raw = url ?? "/";
  const end = raw.search(/[?#]/);
  return end === -1 ? raw : raw.slice(0, end);
}

function serve(req: IncomingMessage, res: ServerResponse, asset: Asset): void {
  res.setHeader("etag", asset.etag);
  if (req.headers["if-none-match"] === asset.etag) {
    reply(res, req, 304, undefined);
    return;
  }
  reply(res, req, 200, { type: asset.type, body: asset.body });
}

function plain(text: string): { type: string; body: Buffer } {
  return { type: "text/plain; charset=utf-8", body: Buffer.from(text) };
}

function reply(res: ServerResponse, req: IncomingMessage, status: number, content: { type: string; body: Buffer } | undefined): void {
  for (const [k, v] of Object.entries(securityHeaders(req.headers.host))) res.setHeader(k, v);
  if (content) {
    res.setHeader("content-type", content.type);
    res.setHeader("content-length", content.body.length);
  }
  res.writeHead(status);
  res.end(req.method === "HEAD" || !content ? undefined : content.body);
}

/** Headers on every WebChat response: no caching without revalidation, no sniffing, no framing, own origin only. */
export function securityHeaders(host: string | undefined): Record<string, string> {
  return {
    "cache-control": "no-cache",
    "content-security-policy": contentSecurityPolicy(host),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
  };
}

/** Scripts, styles and images from this origin; sockets only back to the host the page came from. */
export function contentSecurityPolicy(host: string | undefined): string {
  const sockets = host !== undefined && SAFE_HOST.test(host) ? ` ws://${host} wss://${host}` : "";
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    `connect-src 'self'${sockets}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { fileURLToPath } from "node:url";

/** Answers a request when it belongs to a page; returns false to let the caller go on. */
export type PageHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

/** A page the gateway serves: a fixed table of paths and files, checked at start-up and read once when first asked for. */
export interface PageSite {
  /** Name in start-up errors ("webchat", "control-ui"). */
  name: string;
  /** Path prefix this page owns: a path under it that is not in `routes` answers 404. */
  prefix: string;
  /** Request path → file on disk. Nothing else is ever looked up. */
  routes: Readonly<Record<string, string>>;
  /** Request path → where to send the browser (301). */
  redirects?: Readonly<Record<string, string>>;
  /** The Content-Security-Policy for a request with this Host header. */
  csp: (host: string | undefined) => string;
}

export interface PageDirs {
  /** The pages' sources (default: `sidecar/web/`). */
  sourceDir?: string;
  /** The bundles `make build` writes (default: `sidecar/dist-web/`). */
  bundleDir?: string;
}

/** Where the pages' files are, as folders ending in `/`. */
export function pageDirs(opts: PageDirs = {}): { source: string; bundle: string } {
  const slash = (d: string) => d.replace(/\/?$/, "/");
  return {
    source: slash(opts.sourceDir ?? fileURLToPath(new URL("../../web/", import.meta.url))),
    bundle: slash(opts.bundleDir ?? fileURLToPath(new URL("../../dist-web/", import.meta.url))),
  };
}

interface Asset {
  readonly file: string;
  readonly type: string;
  /** The file's bytes and their etag, once a request asked for them. */
  content?: { body: Buffer; etag: string };
}

const TYPES = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
} as const;

/** A host header we are willing to repeat inside a CSP (name or IP literal, optional port). */
const SAFE_HOST = /^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

/**
 * Serves a page from its fixed table of files, checked here, at start-up, and each read once when
 * first asked for. Paths under the page's prefix that are not in the table answer 404; every other
 * path is left alone.
 */
export function createPageHandler(site: PageSite): PageHandler {
  const assets = loadAssets(site);
  const redirects = site.redirects ?? {};
  return (req, res) => {
    const path = pathOf(req.url);
    const asset = assets.get(path);
    const target = redirects[path];
    if (asset === undefined && target === undefined) {
      if (path !== site.prefix && !path.startsWith(`${site.prefix}/`)) return false;
      reply(res, req, site, 404, plain("not found\n"));
      return true;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("allow", "GET, HEAD");
      reply(res, req, site, 405, plain("method not allowed\n"));
      return true;
    }
    if (target !== undefined) {
      res.setHeader("location", target);
      reply(res, req, site, 301, undefined);
      return true;
    }
    serve(req, res, site, asset!);
    return true;
  };
}

function loadAssets(site: PageSite): Map<string, Asset> {
  const byFile = new Map<string, Asset>();
  const out = new Map<string, Asset>();
  for (const [path, file] of Object.entries(site.routes)) {
    let asset = byFile.get(file);
    if (!asset) {
      // Checked now, so a gateway whose pages were never built says so at start; read on first
      // request, so a gateway nobody opens a page of holds none of them (~350 KiB) in memory.
      try {
        if (!statSync(file).isFile()) throw Object.assign(new Error("not a file"), { code: "EISDIR" });
      } catch (err) {
        const why = (err as NodeJS.ErrnoException).code ?? String(err);
        throw new Error(`${site.name}: cannot read ${file} (${why}); run \`make build\` (it bundles the pages)`);
      }
      asset = { file, type: TYPES[extension(site.name, file)] };
      byFile.set(file, asset);
    }
    out.set(path, asset);
  }
  return out;
}

function extension(name: string, file: string): keyof typeof TYPES {
  const ext = file.slice(file.lastIndexOf(".") + 1);
  if (ext in TYPES) return ext as keyof typeof TYPES;
  throw new Error(`${name}: no content type for ${file}`);
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

function serve(req: IncomingMessage, res: ServerResponse, site: PageSite, asset: Asset): void {
  if (!asset.content) {
    try {
      const body = readFileSync(asset.file);
      asset.content = { body, etag: etagOf(body) };
    } catch (err) {
      // Removed or unreadable since start-up (a rebuild in progress): say so, try again next time.
      const why = (err as NodeJS.ErrnoException).code ?? String(err);
      reply(res, req, site, 503, plain(`${site.name}: cannot read this page's file (${why}); run \`make build\`\n`));
      return;
    }
  }
  const { body, etag } = asset.content;
  res.setHeader("etag", etag);
  if (req.headers["if-none-match"] === etag) {
    reply(res, req, site, 304, undefined);
    return;
  }
  reply(res, req, site, 200, { type: asset.type, body });
}

function plain(text: string): { type: string; body: Buffer } {
  return { type: "text/plain; charset=utf-8", body: Buffer.from(text) };
}

function reply(res: ServerResponse, req: IncomingMessage, site: PageSite, status: number, content: { type: string; body: Buffer } | undefined): void {
  for (const [k, v] of Object.entries(securityHeaders(site.csp(req.headers.host)))) res.setHeader(k, v);
  if (content) {
    res.setHeader("content-type", content.type);
    res.setHeader("content-length", content.body.length);
  }
  res.writeHead(status);
  res.end(req.method === "HEAD" || !content ? undefined : content.body);
}

/** Headers on every page response: no caching without revalidation, no sniffing, no framing, own origin only. */
export function securityHeaders(csp: string): Record<string, string> {
  return {
    "cache-control": "no-cache",
    "content-security-policy": csp,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
  };
}

/** ` ws://host wss://host` for a well-formed Host header, else nothing (sockets then stay on 'self'). */
export function ownSocketSources(host: string | undefined): string {
  return host !== undefined && SAFE_HOST.test(host) ? ` ws://${host} wss://${host}` : "";
}

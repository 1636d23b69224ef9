import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

/** The first path segment of a capability URL: `/__cap__/<token>/<session>/…`. */
export const CAPABILITY_PREFIX = "__cap__";
/** The scope of the canvas host's own pages (A2UI) and their socket. */
export const INTERNAL_SCOPE = "__clawdbot__";

/**
 * Unguessable per-scope capabilities for the canvas host when it is reachable beyond loopback. A
 * scope is a session name (or INTERNAL_SCOPE); its token is an HMAC of the scope under a key made
 * at start, so URLs handed out by this run work until it stops. A request proves a scope with the
 * token in its path, or with the cookie a path token sets (so a page's absolute links and its
 * live-reload socket work too).
 */
export class CanvasCapabilities {
  constructor(private readonly key: Buffer = randomBytes(32)) {}

  /** The token of a scope (32 base64url characters, 192 bits). */
  token(scope: string): string {
    return createHmac("sha256", this.key).update(scope, "utf8").digest("base64url").slice(0, 32);
  }

  /** Constant-time check of a presented token. */
  valid(scope: string, presented: string | undefined): boolean {
    if (presented === undefined) return false;
    const want = Buffer.from(this.token(scope));
    const got = Buffer.from(presented);
    return got.length === want.length && timingSafeEqual(got, want);
  }

  /** True when the path token or the scope's cookie proves `scope`. */
  allows(scope: string, pathToken: string | undefined, req: IncomingMessage): boolean {
    return this.valid(scope, pathToken) || this.valid(scope, cookie(req, cookieName(scope)));
  }

  /** The Set-Cookie value that lets later requests of this browser prove `scope`. */
  setCookie(scope: string, secure: boolean): string {
    return `${cookieName(scope)}=${this.token(scope)}; Path=/; HttpOnly; SameSite=Strict${secure ? "; Secure" : ""}`;
  }
}

/** Cookie names are tokens; session names need not be, so the name carries a digest of the scope. */
export function cookieName(scope: string): string {
  return `clawdbot_canvas_${createHash("sha256").update(scope, "utf8").digest("hex").slice(0, 16)}`;
}

/** Splits `/__cap__/<token>/rest` into the token and `/rest`; other URLs pass unchanged. */
export function splitCapability(rawUrl: string | undefined): { token: string | undefined; url: string; prefix: string } {
  const raw = rawUrl ?? "/";
  const m = /^\/__cap__\/([A-Za-z0-9_-]{1,64})(\/.*|[?#].*)?$/.exec(raw);
  if (!m) return { token: undefined, url: raw, prefix: "" };
  const rest = m[2] ?? "/";
  return { token: m[1], url: rest.startsWith("/") ? rest : `/${rest}`, prefix: `/${CAPABILITY_PREFIX}/${m[1]}` };
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

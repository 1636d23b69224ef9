/** The first path segment reserved for the canvas host's own pages; never a session name. */
export const INTERNAL_PREFIX = "__clawdbot__";

/** The canvas host's own resources, by request path. */
const INTERNAL: Readonly<Record<string, InternalName>> = {
  "live.js": "live.js",
  "a2ui/": "a2ui.html",
  "a2ui/index.html": "a2ui.html",
  "a2ui/a2ui.js": "a2ui.js",
  ws: "ws",
};

export type InternalName = "live.js" | "a2ui.html" | "a2ui.js" | "ws";

/** A session folder name as it may appear in a URL: the protocol's pattern, without a leading dot. */
const SESSION = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,99}$/;

/** What a request path names, decided from the raw path alone (no file system access). */
export type CanvasRoute =
  | { kind: "internal"; name: InternalName }
  | { kind: "redirect"; location: string }
  /** A path inside a session; `directory` when the URL ends with `/`. */
  | { kind: "session"; session: string; segments: string[]; directory: boolean }
  | { kind: "refused"; status: 400 | 404; reason: string };

const refused = (status: 400 | 404, reason: string): CanvasRoute => ({ kind: "refused", status, reason });

/**
 * Parses the request target exactly as it arrived (node does not normalize `req.url`). Dot
 * segments, encoded or not, are refused rather than resolved; encoded slashes, backslashes and NUL
 * are malformed. What is left is a session name and clean path segments.
 */
export function routeOf(rawUrl: string | undefined): CanvasRoute {
  const raw = rawUrl ?? "/";
  const cut = raw.search(/[?#]/);
  const path = cut === -1 ? raw : raw.slice(0, cut);
  const query = cut === -1 ? "" : raw.slice(cut).replace(/#.*$/, "");
  if (!path.startsWith("/")) return refused(400, "request target is not an absolute path");
  if (/[\\\0]|%5c|%00/i.test(path)) return refused(400, "backslash or NUL in path");
  const decoded = decodeSegments(path.slice(1).split("/"));
  if (!Array.isArray(decoded)) return decoded;
  const [first, ...rest] = decoded;
  if (first === INTERNAL_PREFIX) return internal(rest.join("/"), query);
  // The bare host (what a person types) opens the main session's canvas.
  if (first === undefined || (first === "" && rest.length === 0)) return { kind: "redirect", location: `/main/${query}` };
  if (first === "") return refused(404, "no session in path");
  if (!SESSION.test(first)) return refused(404, "not a session name");
  if (rest.length === 0) return { kind: "redirect", location: `/${first}/${query}` };
  const directory = rest[rest.length - 1] === "";
  const segments = directory ? rest.slice(0, -1) : rest;
  if (segments.some((s) => s === "")) return refused(404, "empty path segment");
  return { kind: "session", session: first, segments, directory };
}

/** Percent-decodes each segment; refuses dot segments, hidden names and encoded separators. */
function decodeSegments(raw: string[]): string[] | CanvasRoute {
  const out: string[] = [];
  for (const seg of raw) {
    let s: string;
    try {
      s = decodeURIComponent(seg);
    } catch {
      return refused(400, "malformed percent-encoding");
    }
    if (/[/\\\0]/.test(s)) return refused(400, "encoded separator or NUL in a segment");
    if (s === "." || s === "..") return refused(404, "dot segment");
    if (s.startsWith(".")) return refused(404, "hidden name");
    out.push(s);
  }
  return out;
}

function internal(rest: string, query: string): CanvasRoute {
  if (rest === "a2ui") return { kind: "redirect", location: `/${INTERNAL_PREFIX}/a2ui/${query}` };
  const name = INTERNAL[rest];
  return name === undefined ? refused(404, "unknown canvas host resource") : { kind: "internal", name };
}

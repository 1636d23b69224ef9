import { extname } from "node:path";

const UTF8 = "; charset=utf-8";

/** Content types by lower-case file extension; everything else is served as opaque bytes. */
const TYPES: Readonly<Record<string, string>> = {
  ".html": `text/html${UTF8}`,
  ".htm": `text/html${UTF8}`,
  ".js": `text/javascript${UTF8}`,
  ".mjs": `text/javascript${UTF8}`,
  ".css": `text/css${UTF8}`,
  ".json": `application/json${UTF8}`,
  ".map": `application/json${UTF8}`,
  ".txt": `text/plain${UTF8}`,
  ".md": `text/markdown${UTF8}`,
  ".csv": `text/csv${UTF8}`,
  ".xml": `application/xml${UTF8}`,
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".avif": "image/avif",
  ".ico": "image/x-icon",
  ".wasm": "application/wasm",
  ".pdf": "application/pdf",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
  ".ttf": "font/ttf",
  ".otf": "font/otf",
  ".mp3": "audio/mpeg",
  ".wav": "audio/wav",
  ".ogg": "audio/ogg",
  ".mp4": "video/mp4",
  ".webm": "video/webm",
};

export const OCTET_STREAM = "application/octet-stream";

/** The Content-Type for a file name (by extension, case-insensitive). */
export function contentTypeOf(name: string): string {
  return TYPES[extname(name).toLowerCase()] ?? OCTET_STREAM;
}

/** True for the types that get the live-reload script injected. */
export function isHtml(type: string): boolean {
  return type.startsWith("text/html");
}

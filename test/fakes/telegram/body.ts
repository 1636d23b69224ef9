// Request bodies the way the Bot API accepts them: JSON, urlencoded, multipart/form-data (grammY
// uploads files as multipart with lower-case, unquoted headers), plus query-string parameters.
import type { IncomingMessage } from "node:http";

/** An uploaded file part, referenced from a parameter as `attach://<name>`. */
export interface UploadedFile {
  name: string;
  filename: string;
  bytes: Buffer;
}

export interface ParsedRequest {
  params: Record<string, unknown>;
  files: UploadedFile[];
}

/** Reads and parses a request; throws with a Telegram-style description on malformed input. */
export async function parseRequest(req: IncomingMessage): Promise<ParsedRequest> {
  const body = await readAll(req);
  const query = Object.fromEntries(new URL(req.url ?? "/", "http://x").searchParams);
  const fromBody = parseBody(req.headers["content-type"] ?? "", body);
  return { params: { ...decodeFields(query), ...fromBody.params }, files: fromBody.files };
}

function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** Parses a body by its content type; an empty body is no parameters. */
export function parseBody(contentType: string, body: Buffer): ParsedRequest {
  if (body.length === 0) return { params: {}, files: [] };
  const type = contentType.split(";")[0]!.trim().toLowerCase();
  if (type === "application/json") return { params: parseJsonObject(body.toString("utf8")), files: [] };
  if (type === "application/x-www-form-urlencoded") {
    return { params: decodeFields(Object.fromEntries(new URLSearchParams(body.toString("utf8")))), files: [] };
  }
  if (type === "multipart/form-data") return parseMultipart(boundaryOf(contentType), body);
  throw new Error(`Bad Request: unsupported content type ${type || "(none)"}`);
}

function parseJsonObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error("Bad Request: can't parse JSON object");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error("Bad Request: JSON body is not an object");
  return value as Record<string, unknown>;
}

/** Form fields are strings; the Bot API reads objects and arrays in them as JSON. */
export function decodeFields(fields: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) out[k] = /^\s*[[{]/.test(v) ? parseJsonOr(v) : v;
  return out;
}

function parseJsonOr(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function boundaryOf(contentType: string): string {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary) throw new Error("Bad Request: multipart body without a boundary");
  return boundary;
}

/** Splits a multipart body into fields and files (RFC 7578, tolerant of header case and quoting). */
export function parseMultipart(boundary: string, body: Buffer): ParsedRequest {
  const fields: Record<string, string> = {};
  const files: UploadedFile[] = [];
  for (const part of splitParts(body, Buffer.from(`--${boundary}`))) {
    const headerEnd = part.indexOf("\r\n\r\n");
    if (headerEnd < 0) throw new Error("Bad Request: multipart part without headers");
    const headers = part.subarray(0, headerEnd).toString("utf8");
    const content = part.subarray(headerEnd + 4);
    const disposition = /content-disposition:\s*form-data\s*;(.*)/i.exec(headers)?.[1] ?? "";
    const name = attribute(disposition, "name");
    if (name === undefined) throw new Error("Bad Request: multipart part without a name");
    const filename = attribute(disposition, "filename");
    if (filename === undefined) fields[name] = content.toString("utf8");
    else files.push({ name, filename, bytes: Buffer.from(content) });
  }
  return { params: decodeFields(fields), files };
}

/** The parts between boundaries, without their trailing CRLF; stops at the closing `--boundary--`. */
function splitParts(body: Buffer, delimiter: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === "--") break;
    const next = body.indexOf(delimiter, start);
    if (next < 0) throw new Error("Bad Request: multipart body is not terminated");
    parts.push(body.subarray(start + 2, next - 2));
    at = next;
  }
  return parts;
}

function attribute(disposition: string, key: string): string | undefined {
  const m = new RegExp(`(?:^|;)\\s*${key}=(?:"([^"]*)"|([^;\\r\\n]*))`, "i").exec(disposition);
  if (!m) return undefined;
  return (m[1] ?? m[2] ?? "").trim();
}

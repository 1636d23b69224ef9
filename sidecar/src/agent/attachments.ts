import { GatewayError } from "../errors.js";

/** A file sent with a message, decoded from the wire and checked. */
export interface Attachment {
  mimeType: string;
  fileName: string | undefined;
  /** base64 of the bytes. */
  data: string;
}

const MAX_BYTES = 5_000_000;

/**
 * Reads `attachments` as the reference clients send them (`{type?, mimeType?, fileName?,
 * content}` with base64 content, or a data: URL); anything else is a clear INVALID_REQUEST.
 */
export function readAttachments(raw: readonly unknown[] | undefined): Attachment[] {
  return (raw ?? []).map((a, i) => {
    const where = `attachments[${i}]`;
    if (a === null || typeof a !== "object") throw invalid(`${where} must be an object {mimeType?, fileName?, content}`);
    const o = a as Record<string, unknown>;
    const str = (k: string) => (typeof o[k] === "string" && o[k] !== "" ? (o[k] as string) : undefined);
    let content = str("content");
    let mimeType = str("mimeType");
    if (content === undefined) throw invalid(`${where}.content must be a non-empty base64 string`);
    const dataUrl = /^data:([^;,]+);base64,(.*)$/s.exec(content);
    if (dataUrl) {
      mimeType ??= dataUrl[1];
      content = dataUrl[2]!;
    }
    if (!/^[A-Za-z0-9+/=\s]+$/.test(content)) throw invalid(`${where}.content is not base64`);
    const bytes = Buffer.byteLength(content, "base64");
    if (bytes > MAX_BYTES) throw invalid(`${where} is ${bytes} bytes; the limit is ${MAX_BYTES}`);
    const type = str("type");
    return { mimeType: mimeType ?? (type === "image" ? "image/png" : "application/octet-stream"), fileName: str("fileName"), data: content.replace(/\s+/g, "") };
  });
}

/** How an attachment shows in a transcript line, e.g. `[image/png: cat.png]`. */
export function attachmentLabel(a: Attachment): string {
  return `[${a.mimeType}${a.fileName ? `: ${a.fileName}` : ""}]`;
}

function invalid(message: string): GatewayError {
  return new GatewayError("params_invalid", message);
}

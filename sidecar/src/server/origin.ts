import type { IncomingHttpHeaders } from "node:http";

/**
 * Browsers always send Origin on WebSocket upgrades; a page from another site must not reach
 * the gateway (cross-site WebSocket hijacking). Non-browser clients send no Origin and pass.
 */
export function originAllowed(headers: IncomingHttpHeaders, allowed: readonly string[]): boolean {
  const origin = headers.origin;
  if (origin === undefined) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (allowed.includes(url.origin)) return true;
  const host = headers.host;
  return host !== undefined && (url.host === host.toLowerCase()) && (url.protocol === "http:" || url.protocol === "https:");
}

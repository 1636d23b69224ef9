import type { IncomingHttpHeaders } from "node:http";
import { isLoopbackAddress } from "../config/index.js";

const FORWARD_HEADERS = ["forwarded", "x-forwarded-for", "x-forwarded-host", "x-real-ip", "x-forwarded-proto"];
const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

/** Strips the port from a Host header value (IPv6 in brackets kept as is). */
function hostOnly(host: string): string {
  if (host.startsWith("[")) return host.slice(0, host.indexOf("]") + 1);
  const i = host.lastIndexOf(":");
  return i === -1 ? host : host.slice(0, i);
}

export interface PeerInfo {
  /** The address the gateway believes the client has (forwarded only via a trusted proxy). */
  remoteIp: string;
  /** True when the peer is on loopback, the Host is local, and nothing was forwarded. */
  isLocal: boolean;
}

/** Decides whether a connection is local per the protocol's definition. */
export function classifyPeer(
  socketAddress: string | undefined,
  headers: IncomingHttpHeaders,
  trustedProxies: readonly string[],
): PeerInfo {
  const peer = socketAddress ?? "";
  const forwarded = FORWARD_HEADERS.some((h) => headers[h] !== undefined);
  if (!forwarded || !trustedProxies.includes(peer)) {
    return { remoteIp: peer, isLocal: !forwarded && isLoopbackAddress(peer) && hostIsLocal(headers.host) };
  }
  // Behind a trusted proxy the client is the nearest address the proxies did not add themselves;
  // entries further left are whatever the client claimed. No readable address: never local.
  const client = forwardedClient(headers, trustedProxies);
  if (client === undefined) return { remoteIp: peer, isLocal: false };
  return { remoteIp: client, isLocal: isLoopbackAddress(client) && hostIsLocal(headers.host) };
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(",") : v;
}

function forwardedClient(headers: IncomingHttpHeaders, trusted: readonly string[]): string | undefined {
  const chain: string[] = [];
  const fwd = headerValue(headers["forwarded"]);
  if (fwd) {
    for (const m of fwd.matchAll(/for="?\[?([^\]";,]+)\]?"?/gi)) if (m[1]) chain.push(m[1].replace(/:\d+$/, ""));
  }
  const xff = headerValue(headers["x-forwarded-for"]);
  if (xff) chain.push(...xff.split(",").map((a) => a.trim()).filter(Boolean));
  const xri = headerValue(headers["x-real-ip"])?.trim();
  if (chain.length === 0 && xri) chain.push(xri);
  for (let i = chain.length - 1; i >= 0; i--) {
    const addr = chain[i]!;
    if (!trusted.includes(addr)) return addr;
  }
  // Every hop is a trusted proxy: the first one is where the request entered.
  return chain[0];
}

function hostIsLocal(host: string | undefined): boolean {
  return host !== undefined && LOCAL_HOSTS.has(hostOnly(host.toLowerCase()));
}

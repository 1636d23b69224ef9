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
  const viaTrustedProxy = forwarded && trustedProxies.includes(peer);
  if (viaTrustedProxy) {
    const xff = headers["x-forwarded-for"];
    const first = (Array.isArray(xff) ? xff[0] : xff)?.split(",")[0]?.trim();
    const remoteIp = first || peer;
    return { remoteIp, isLocal: isLoopbackAddress(remoteIp) && hostIsLocal(headers.host) };
  }
  return { remoteIp: peer, isLocal: !forwarded && isLoopbackAddress(peer) && hostIsLocal(headers.host) };
}

function hostIsLocal(host: string | undefined): boolean {
  return host !== undefined && LOCAL_HOSTS.has(hostOnly(host.toLowerCase()));
}

import type { IncomingHttpHeaders } from "node:http";
import { isIP } from "node:net";
import { isLoopbackAddress, type RealIpHeader } from "../config/index.js";
import { AddressSet, normalizeAddress } from "./address.js";

const FORWARD_HEADERS = ["forwarded", "x-forwarded-for", "x-forwarded-host", "x-real-ip", "x-forwarded-proto"];
const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

/** The proxy settings locality depends on (a slice of the gateway config). */
export interface ProxyConfig {
  readonly trustedProxies: readonly string[];
  readonly realIpHeader: RealIpHeader;
}

export interface PeerInfo {
  /** The address the gateway believes the client has (taken from a header only via a trusted proxy). */
  remoteIp: string;
  /** True when the peer is on loopback, the Host is local, nothing was forwarded and no proxy is involved. */
  isLocal: boolean;
  /** The connection arrived through a configured trusted proxy. */
  viaProxy: boolean;
}

/**
 * Decides whether a connection is local and which address it comes from. A connection through a
 * trusted proxy is never local whatever its headers say: they are written (or passed through) by
 * someone else. Its address is the right-most hop no trusted proxy added, or the configured
 * single-address header; without a usable one it is the proxy's own address.
 */
export function classifyPeer(socketAddress: string | undefined, headers: IncomingHttpHeaders, proxies: ProxyConfig): PeerInfo {
  const peer = normalizeAddress(socketAddress ?? "");
  const trusted = trustedSet(proxies.trustedProxies);
  if (peer !== "" && trusted.has(peer)) {
    return { remoteIp: clientBehindProxy(headers, proxies.realIpHeader, trusted) ?? peer, isLocal: false, viaProxy: true };
  }
  const forwarded = FORWARD_HEADERS.some((h) => headers[h] !== undefined);
  return { remoteIp: peer, isLocal: !forwarded && isLoopbackAddress(peer) && hostIsLocal(headers.host), viaProxy: false };
}

const compiled = new WeakMap<readonly string[], AddressSet>();

/** Config arrays are frozen, so a compiled set is kept per array (reloads bring a new one). */
function trustedSet(entries: readonly string[]): AddressSet {
  let set = compiled.get(entries);
  if (!set) {
    set = new AddressSet(entries);
    compiled.set(entries, set);
  }
  return set;
}

/** The client's address as the configured header states it, or undefined when it names none usable. */
function clientBehindProxy(headers: IncomingHttpHeaders, header: RealIpHeader, trusted: AddressSet): string | undefined {
  if (header === "x-real-ip") {
    const value = headerValue(headers["x-real-ip"]);
    // One address, set by the proxy; a list means the proxy appended instead of replacing it.
    if (value === undefined || value.includes(",")) return undefined;
    return validAddress(value);
  }
  const chain = header === "forwarded" ? forwardedFor(headerValue(headers["forwarded"])) : xForwardedFor(headerValue(headers["x-forwarded-for"]));
  // Walk from the proxy towards the client: every hop a trusted proxy added is skipped; the first
  // other entry was written by the last trusted proxy, and everything left of it by the client.
  for (let i = chain.length - 1; i >= 0; i--) {
    const addr = validAddress(chain[i]!);
    if (addr === undefined) return undefined;
    if (!trusted.has(addr)) return addr;
  }
  return undefined;
}

function xForwardedFor(value: string | undefined): string[] {
  return value === undefined ? [] : value.split(",").map((a) => a.trim());
}

/** The `for=` values of an RFC 7239 header, in order (a missing `for` is an unusable hop). */
function forwardedFor(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value.split(",").map((element) => {
    for (const pair of element.split(";")) {
      const eq = pair.indexOf("=");
      if (eq !== -1 && pair.slice(0, eq).trim().toLowerCase() === "for") return unquoteNode(pair.slice(eq + 1).trim());
    }
    return "";
  });
}

/** `"[2001:db8::1]:4711"` → `2001:db8::1`; `1.2.3.4:80` → `1.2.3.4`. */
function unquoteNode(node: string): string {
  const s = node.startsWith('"') && node.endsWith('"') && node.length >= 2 ? node.slice(1, -1) : node;
  if (s.startsWith("[")) {
    const end = s.indexOf("]");
    return end === -1 ? "" : s.slice(1, end);
  }
  const colon = s.indexOf(":");
  return colon !== -1 && s.indexOf(":", colon + 1) === -1 ? s.slice(0, colon) : s;
}

function validAddress(text: string): string | undefined {
  const addr = normalizeAddress(text.trim());
  return isIP(addr) === 0 ? undefined : addr;
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(",") : v;
}

/** Strips the port from a Host header value (IPv6 in brackets kept as is). */
function hostOnly(host: string): string {
  if (host.startsWith("[")) return host.slice(0, host.indexOf("]") + 1);
  const i = host.lastIndexOf(":");
  return i === -1 ? host : host.slice(0, i);
}

function hostIsLocal(host: string | undefined): boolean {
  return host !== undefined && LOCAL_HOSTS.has(hostOnly(host.toLowerCase()));
}

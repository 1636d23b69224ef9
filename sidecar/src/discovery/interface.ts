import { isIPv4 } from "node:net";

/**
 * The interface to advertise on for a gateway bound to `host`: that address when it is one
 * IPv4 address beyond loopback; otherwise undefined (every interface — a wildcard bind, an
 * IPv6 bind, or a loopback gateway advertised on purpose with discovery.enabled).
 */
export function advertiseInterface(host: string): string | undefined {
  if (!isIPv4(host) || host === "0.0.0.0" || host.startsWith("127.")) return undefined;
  return host;
}

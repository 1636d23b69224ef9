import { isIP } from "node:net";
import { readFileSync } from "node:fs";
import { networkInterfaces } from "node:os";
import JSON5 from "json5";
import { ConfigError } from "./errors.js";

/** Maps `loopback|lan|tailnet|<ip>` to a listen address. */
export function resolveBindHost(bind: string, interfaces = networkInterfaces()): string {
  if (bind === "loopback" || bind === "localhost") return "127.0.0.1";
  if (bind === "lan" || bind === "all") return "0.0.0.0";
  if (bind === "tailnet") {
    for (const list of Object.values(interfaces)) {
      for (const a of list ?? []) if (a.family === "IPv4" && a.address.startsWith("100.")) return a.address;
    }
    throw new ConfigError("bind=tailnet: no Tailscale (100.x) address found on this machine; is Tailscale up?");
  }
  if (isIP(bind)) return bind;
  throw new ConfigError(`bind: "${bind}" is not loopback, lan, tailnet or an IP address`);
}

/** True for 127.0.0.0/8, ::1 and IPv4-mapped loopback. */
export function isLoopbackAddress(addr: string): boolean {
  return addr === "::1" || addr.startsWith("127.") || addr.startsWith("::ffff:127.");
}

/**
 * The URL a config file's `gateway.port` (with `bind` and `tls.enabled`) describes, or undefined
 * when the file is missing, unreadable or sets no port. Reads only those three keys, without the
 * config schema: validating the file is the gateway's job (and `clawdbot doctor`'s).
 */
export function configuredGatewayUrl(configPath: string): string | undefined {
  let g: unknown;
  try {
    g = (JSON5.parse(readFileSync(configPath, "utf8")) as { gateway?: unknown } | null)?.gateway;
  } catch {
    return undefined;
  }
  if (typeof g !== "object" || g === null) return undefined;
  const { port, bind, tls } = g as { port?: unknown; bind?: unknown; tls?: { enabled?: unknown } };
  if (typeof port !== "number" || !Number.isInteger(port) || port <= 0 || port > 65535) return undefined;
  let host = "127.0.0.1";
  try {
    const bound = resolveBindHost(typeof bind === "string" ? bind : "loopback");
    if (bound !== "0.0.0.0") host = bound.includes(":") ? `[${bound}]` : bound;
  } catch {
    host = "127.0.0.1";
  }
  return `${tls?.enabled === true ? "wss" : "ws"}://${host}:${port}`;
}

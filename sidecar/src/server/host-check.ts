import { isIP } from "node:net";
import { networkInterfaces } from "node:os";
import { isLoopbackAddress } from "../config/index.js";
import { normalizeAddress } from "../auth/address.js";

export interface HostPolicyOptions {
  /** The address the server is bound to (`0.0.0.0`/`::` = every address of this machine). */
  bindHost: string;
  /** This machine's host name (os.hostname()). */
  hostname: string;
  /** `gateway.allowedHosts`, read at every request so a config reload applies at once. */
  allowedHosts: () => readonly string[];
  /** This machine's addresses (injected for tests). */
  addresses?: () => string[];
}

/**
 * Which `Host` headers a request may carry. A page on another site that rebinds its DNS name to
 * this machine still sends that name as Host; only names that already mean this machine pass: the
 * loopback names and addresses, the bound address (any address of this machine when bound to all),
 * this machine's host name (short, full and `.local`) and the names configured in allowedHosts.
 */
export class HostPolicy {
  private readonly ownNames: ReadonlySet<string>;
  private readonly addresses: () => string[];

  constructor(private readonly opts: HostPolicyOptions) {
    const full = normalizeName(opts.hostname);
    const short = full.split(".")[0] ?? full;
    this.ownNames = new Set([full, short, `${short}.local`].filter((n) => n.length > 0));
    this.addresses = opts.addresses ?? machineAddresses;
  }

  /** True when a request with this Host header may be served. */
  allows(hostHeader: string | undefined): boolean {
    const name = hostName(hostHeader);
    if (name === undefined) return false;
    if (isIP(name) !== 0) return this.addressAllowed(normalizeAddress(name));
    if (name === "localhost" || name.endsWith(".localhost")) return true;
    if (this.ownNames.has(name)) return true;
    return this.opts.allowedHosts().some((h) => normalizeName(h) === name);
  }

  private addressAllowed(addr: string): boolean {
    if (isLoopbackAddress(addr)) return true;
    const bind = normalizeAddress(this.opts.bindHost);
    if (addr === bind) return true;
    if (bind === "0.0.0.0" || bind === "::") return this.addresses().includes(addr);
    return this.opts.allowedHosts().some((h) => normalizeAddress(stripBrackets(h)) === addr);
  }
}

/** The host part of a Host header, lower case, without port, brackets or a trailing dot. */
export function hostName(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const h = header.trim().toLowerCase();
  if (h.startsWith("[")) {
    const end = h.indexOf("]");
    if (end === -1) return undefined;
    const rest = h.slice(end + 1);
    if (rest !== "" && !/^:\d{1,5}$/.test(rest)) return undefined;
    return h.slice(1, end);
  }
  const m = /^([a-z0-9._-]+?)\.?(?::\d{1,5})?$/.exec(h);
  return m?.[1];
}

function normalizeName(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, "");
}

function stripBrackets(h: string): string {
  return h.startsWith("[") && h.endsWith("]") ? h.slice(1, -1) : h;
}

function machineAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((a) => normalizeAddress(a.address)));
}

import { createBonjour, type BonjourFactory, type FoundService, type MdnsResponder, type ServiceBrowser } from "./bonjour.js";
import { SERVICE_TYPE } from "./records.js";

/** A gateway found on the LAN. TXT values are unauthenticated hints; connect to host/addresses:port. */
export interface DiscoveredGateway {
  /** Service instance name. */
  name: string;
  /** SRV target, e.g. `studio.local`. */
  host: string;
  addresses: string[];
  port: number;
  tls: boolean;
  /** SHA-256 certificate fingerprint from TXT (hex), when TLS is on. */
  tlsFingerprint?: string;
  displayName?: string;
  txt: Record<string, string>;
}

export interface DiscoverOptions {
  /** Browse this long, then resolve with what was found. */
  timeoutMs: number;
  /** IPv4 address of the interface to browse on; all interfaces when absent. */
  interfaceAddress?: string | undefined;
  bonjourFactory?: BonjourFactory;
}

/**
 * Browses `_clawdbot-gw._tcp` for `timeoutMs` and resolves with every gateway still up at the end
 * (one entry per service instance, sorted by name). Rejects only when the mDNS socket fails.
 */
export function discoverGateways(opts: DiscoverOptions): Promise<DiscoveredGateway[]> {
  return new Promise((resolve, reject) => {
    let finished = false;
    let mdns: MdnsResponder | undefined;
    let browser: ServiceBrowser | undefined;
    const finish = (err?: unknown) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      clearInterval(requery);
      browser?.stop();
      const found = dedupe((browser?.services ?? []).map(toGateway));
      const settle = () => (err === undefined ? resolve(found) : reject(err instanceof Error ? err : new Error(String(err))));
      if (!mdns) return settle();
      try {
        mdns.destroy(settle);
      } catch {
        settle();
      }
    };
    const timer = setTimeout(() => finish(), opts.timeoutMs);
    // A query can be lost (or go out before the group is joined): ask again while we wait.
    const requery = setInterval(() => browser?.update(), Math.max(100, Math.min(1000, opts.timeoutMs / 3)));
    try {
      mdns = (opts.bonjourFactory ?? createBonjour)({ interfaceAddress: opts.interfaceAddress, onError: finish });
      browser = mdns.find({ type: SERVICE_TYPE });
    } catch (err) {
      finish(err);
    }
  });
}

function toGateway(s: FoundService): DiscoveredGateway {
  const txt = txtOf(s.txt);
  const addresses = [...new Set(s.addresses?.length ? s.addresses : s.referer ? [s.referer.address] : [])];
  const gw: DiscoveredGateway = { name: s.name, host: s.host, addresses, port: s.port, tls: txt["gatewayTls"] === "1", txt };
  if (txt["gatewayTlsSha256"]) gw.tlsFingerprint = txt["gatewayTlsSha256"];
  if (txt["displayName"]) gw.displayName = txt["displayName"];
  return gw;
}

/** bonjour-service decodes TXT into an object of strings (values may be missing for bare keys). */
function txtOf(raw: unknown): Record<string, string> {
  if (typeof raw !== "object" || raw === null) return {};
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, typeof v === "string" ? v : String(v ?? "")]));
}

/** One entry per instance name (the same gateway may answer on several interfaces). */
function dedupe(list: DiscoveredGateway[]): DiscoveredGateway[] {
  const byName = new Map<string, DiscoveredGateway>();
  for (const gw of list) {
    const key = gw.name.toLowerCase();
    const seen = byName.get(key);
    if (seen) seen.addresses = [...new Set([...seen.addresses, ...gw.addresses])];
    else byName.set(key, gw);
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

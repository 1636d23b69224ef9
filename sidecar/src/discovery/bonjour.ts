import type { EventEmitter } from "node:events";
import { isIPv4 } from "node:net";
import { createRequire } from "node:module";
import type { BrowserConfig, ServiceConfig } from "bonjour-service";

/**
 * The one seam to bonjour-service (and the multicast-dns socket under it). The advertiser and the
 * browser see only these interfaces, so a test can hand in a factory that fails on purpose.
 */
export interface MdnsResponder {
  publish(config: ServiceConfig): PublishedService;
  find(config: BrowserConfig): ServiceBrowser;
  /** Sends goodbye packets (TTL 0) for everything published; `done` runs once they are sent. */
  unpublishAll(done: () => void): void;
  /** Closes the socket. */
  destroy(done: () => void): void;
}

export interface PublishedService {
  on(event: "up", listener: () => void): unknown;
}

/** A service as bonjour-service resolves it from PTR + SRV + TXT + A/AAAA records. */
export interface FoundService {
  name: string;
  fqdn: string;
  host: string;
  port: number;
  addresses?: string[];
  txt?: unknown;
  referer?: { address: string };
}

export interface ServiceBrowser {
  readonly services: readonly FoundService[];
  on(event: "up" | "down", listener: (service: FoundService) => void): unknown;
  /** Sends the PTR query again. */
  update(): void;
  stop(): void;
}

export interface MdnsOptions {
  /** IPv4 address of the one interface to join the group on and send from; all interfaces when absent. */
  interfaceAddress?: string | undefined;
  /** The socket failed (bind refused, send failed): this instance is done for. */
  onError: (err: Error) => void;
  /** Something worth a debug line (a membership that could not be joined, a packet that did not decode). */
  onWarning?: (err: Error) => void;
}

export type BonjourFactory = (opts: MdnsOptions) => MdnsResponder;

/** multicast-dns options we pass through bonjour-service (its typings claim they are a ServiceConfig). */
export interface SocketOptions {
  interface?: string;
  bind?: string;
  port?: number;
  loopback?: boolean;
}

/**
 * The real thing: bonjour-service on UDP 5353, bound to 0.0.0.0 so it hears the group (multicast-dns
 * would otherwise bind the interface address, and Linux then drops every multicast packet).
 * `socket` overrides the socket options (tests use it to make the bind fail).
 */
export function createBonjour(opts: MdnsOptions, socket: SocketOptions = {}): MdnsResponder {
  // multicast-dns runs udp4 here: an IPv6 address would only fail to join, so it means "all".
  const iface = opts.interfaceAddress && isIPv4(opts.interfaceAddress) ? opts.interfaceAddress : undefined;
  const mdnsOptions: SocketOptions = { ...(iface ? { interface: iface } : {}), bind: "0.0.0.0", ...socket };
  // Required here, not imported: a gateway on loopback (the default) never advertises.
  const { Bonjour } = createRequire(import.meta.url)("bonjour-service") as typeof import("bonjour-service");
  const bonjour = new Bonjour(mdnsOptions as Partial<ServiceConfig>, (err: Error) => opts.onError(err));
  // bonjour-service never listens for the socket's 'error' (a failed bind): unheard, it would throw
  // out of the event loop and take the gateway down. Its socket is private, hence the reach.
  const mdns = (bonjour as unknown as { server: { mdns: MulticastDns } }).server.mdns;
  mdns.on("error", (err: Error) => opts.onError(err));
  mdns.on("warning", (err: Error) => opts.onWarning?.(err));
  if (iface) onlyAddress(mdns, iface);
  return {
    publish: (config) => bonjour.publish(config),
    find: (config) => bonjour.find(config),
    unpublishAll: (done) => bonjour.unpublishAll(done),
    destroy: (done) => bonjour.destroy(done),
  };
}

interface DnsRecord {
  type: string;
  data?: unknown;
}
type Response = DnsRecord[] | { answers?: DnsRecord[]; additionals?: DnsRecord[] };
interface MulticastDns extends EventEmitter {
  respond(res: Response, ...rest: unknown[]): void;
}

/**
 * bonjour-service answers with an A/AAAA record for every address of every interface. A gateway
 * bound to one address is reachable only there, so every response (announcements, answers,
 * goodbyes) is cut down to that one A record.
 */
function onlyAddress(mdns: MulticastDns, address: string): void {
  const keep = (r: DnsRecord) => (r.type === "A" ? r.data === address : r.type !== "AAAA");
  const respond = mdns.respond.bind(mdns);
  mdns.respond = (res, ...rest) =>
    respond(
      Array.isArray(res)
        ? res.filter(keep)
        : { ...res, answers: (res.answers ?? []).filter(keep), additionals: (res.additionals ?? []).filter(keep) },
      ...rest,
    );
}

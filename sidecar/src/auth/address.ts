import { BlockList, isIP } from "node:net";

/** IPv4-mapped IPv6 (`::ffff:1.2.3.4`) is the IPv4 address; zone ids are dropped; lower case. */
export function normalizeAddress(addr: string): string {
  const lower = addr.toLowerCase().replace(/%.*$/, "");
  return lower.startsWith("::ffff:") && isIP(lower.slice(7)) === 4 ? lower.slice(7) : lower;
}

/** Parses `1.2.3.4`, `::1`, `10.0.0.0/8` or `fd00::/8`; undefined when it is none of them. */
export function parseAddressRange(entry: string): { address: string; family: "ipv4" | "ipv6"; prefix?: number } | undefined {
  const [addr, prefixText, extra] = entry.trim().split("/");
  if (addr === undefined || extra !== undefined) return undefined;
  const address = normalizeAddress(addr);
  const v = isIP(address);
  if (v === 0) return undefined;
  const family = v === 4 ? "ipv4" : "ipv6";
  if (prefixText === undefined) return { address, family };
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  return prefix <= (v === 4 ? 32 : 128) ? { address, family, prefix } : undefined;
}

/** A compiled list of addresses and CIDR ranges. */
export class AddressSet {
  private readonly list = new BlockList();

  constructor(entries: readonly string[]) {
    for (const e of entries) {
      const parsed = parseAddressRange(e);
      if (!parsed) continue;
      if (parsed.prefix === undefined) this.list.addAddress(parsed.address, parsed.family);
      else this.list.addSubnet(parsed.address, parsed.prefix, parsed.family);
    }
  }

  /** True when `address` (normalized) is in the set. */
  has(address: string): boolean {
    const family = isIP(address);
    if (family === 0) return false;
    return this.list.check(address, family === 4 ? "ipv4" : "ipv6");
  }
}

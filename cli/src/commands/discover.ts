import { Flags } from "@oclif/core";
import { normalizeFingerprint } from "@clawdbot/protocol/client";
import { discoverGateways, type DiscoveredGateway } from "@clawdbot/sidecar/discovery";
import { ClawdbotCommand } from "../command.js";

export default class Discover extends ClawdbotCommand {
  static override summary = "Find Clawdbot gateways on the local network (Bonjour/mDNS).";
  static override description = [
    "Browses for _clawdbot-gw._tcp for --timeout milliseconds and lists every gateway that answered:",
    "instance name, host, addresses, port and, when it serves wss://, its certificate's SHA-256",
    "fingerprint (pass it to --tls-fingerprint). Advertisements are unauthenticated hints: a",
    "fingerprint learnt this way is only as trustworthy as the network it came over.",
    "Only gateways bound beyond loopback (or with discovery.enabled) advertise; mDNS does not cross",
    "routers. Exit codes: 0 (also when none is found), 1 the mDNS socket failed.",
  ].join("\n");
  static override examples = ["<%= config.bin %> discover", "<%= config.bin %> discover --timeout 5000 --json"];
  static override flags = {
    timeout: Flags.integer({ description: "how long to listen for answers, in milliseconds", default: 2000, min: 100, max: 60_000 }),
  };

  async run(): Promise<DiscoveredGateway[]> {
    const { flags } = await this.parse(Discover);
    let found: DiscoveredGateway[];
    try {
      found = await discoverGateways({ timeoutMs: flags.timeout });
    } catch (err) {
      return this.failWith("mdns-unavailable", `cannot browse mDNS: ${(err as Error).message}`);
    }
    this.log(formatGateways(found));
    return found;
  }
}

/** Human form: one aligned row per gateway, or "no gateways found". */
export function formatGateways(list: readonly DiscoveredGateway[]): string {
  if (list.length === 0) return "no gateways found";
  const rows = [
    ["NAME", "HOST", "ADDRESSES", "PORT", "TLS SHA-256"],
    ...list.map((g) => [g.name, g.host, g.addresses.join(",") || "-", String(g.port), tlsColumn(g)]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ")).join("\n");
}

/** The fingerprint as the gateway prints it at start-up (AB:CD:…), "on" without one, "off". */
function tlsColumn(g: DiscoveredGateway): string {
  if (!g.tls) return "off";
  if (!g.tlsFingerprint) return "on";
  const hex = normalizeFingerprint(g.tlsFingerprint);
  return (hex.match(/../g) ?? []).join(":").toUpperCase();
}

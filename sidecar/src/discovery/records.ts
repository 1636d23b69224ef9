import { normalizeFingerprint } from "@clawdbot/protocol/client";

/** DNS-SD service type `_clawdbot-gw._tcp` as bonjour-service spells it (it adds the underscores). */
export const SERVICE_TYPE = "clawdbot-gw";

/** What the gateway says about itself on the LAN. */
export interface GatewayBeacon {
  displayName: string;
  /** Machine host name; any domain part is dropped and `.local` appended. */
  hostname: string;
  port: number;
  /** Canvas host port; null when the canvas host is off. */
  canvasPort: number | null;
  tls?: { fingerprintSha256: string } | undefined;
  minimal: boolean;
}

/** DNS labels (the instance name) are at most 63 bytes; we keep room for a " (n)" suffix. */
const MAX_INSTANCE_BYTES = 58;
/** Each TXT string (`key=value`) is at most 255 bytes. */
const MAX_TXT_BYTES = 255;

/** `<hostname>.local` — the SRV target and the `lanHost` hint. */
export function lanHost(hostname: string): string {
  const label = hostname.split(".")[0] || "clawdbot";
  return `${truncateUtf8(label, 63)}.local`;
}

/** The service instance name: the display name, dots replaced (they would split the label), ≤ 58 bytes. */
export function instanceName(displayName: string): string {
  return truncateUtf8(displayName.replaceAll(".", "-"), MAX_INSTANCE_BYTES);
}

/** The first free name among `base`, `base (2)`, `base (3)`, … (DNS names compare case-insensitively). */
export function uniqueName(base: string, taken: ReadonlySet<string>): string {
  const lower = new Set([...taken].map((n) => n.toLowerCase()));
  let name = base;
  for (let i = 2; lower.has(name.toLowerCase()); i++) name = `${base} (${i})`;
  return name;
}

/**
 * TXT records. Always: `role=gateway`, `gatewayPort`, and with TLS `gatewayTls=1` plus
 * `gatewayTlsSha256` (64 lowercase hex digits, no colons) — what a client needs to connect and
 * pin. Full mode adds the conveniences `displayName`, `lanHost` and `canvasPort`. Minimal mode
 * leaves those out: the instance name is then the only name shown, so pick a neutral display
 * name if even that is too much. Never advertised in either mode: paths, SSH port, user names.
 */
export function gatewayTxt(b: GatewayBeacon): Record<string, string> {
  const txt: Record<string, string> = { role: "gateway", gatewayPort: String(b.port) };
  if (!b.minimal) {
    txt["displayName"] = b.displayName;
    txt["lanHost"] = lanHost(b.hostname);
    if (b.canvasPort !== null) txt["canvasPort"] = String(b.canvasPort);
  }
  if (b.tls) {
    txt["gatewayTls"] = "1";
    txt["gatewayTlsSha256"] = normalizeFingerprint(b.tls.fingerprintSha256);
  }
  return Object.fromEntries(Object.entries(txt).map(([k, v]) => [k, truncateUtf8(v, MAX_TXT_BYTES - k.length - 1)]));
}

/** Cuts `s` to at most `maxBytes` of UTF-8 without splitting a character. */
export function truncateUtf8(s: string, maxBytes: number): string {
  if (Buffer.byteLength(s) <= maxBytes) return s;
  let out = "";
  for (const ch of s) {
    if (Buffer.byteLength(out + ch) > maxBytes) break;
    out += ch;
  }
  return out;
}

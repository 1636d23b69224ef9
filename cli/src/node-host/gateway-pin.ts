import { readFile } from "node:fs/promises";
import { normalizeFingerprint, presentedFingerprint } from "@clawdbot/protocol/client";
import { writeFileAtomic } from "@clawdbot/sidecar/store";

interface PinDoc {
  version: 1;
  pins: Record<string, { fingerprint: string; pinnedAtMs: number }>;
}

/** `wss://host:port` of a URL: the pin belongs to the server, not to a path on it. */
export function pinKey(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.hostname}:${u.port || (u.protocol === "wss:" ? "443" : "80")}`;
}

/**
 * Trust on first use for wss:// gateways: the certificate fingerprint seen at the first successful
 * pairing is kept in `gateway-pin.json` (0600) and every later connection must present it.
 */
export class GatewayPinStore {
  constructor(
    private readonly path: string,
    private readonly now: () => number = Date.now,
  ) {}

  async pinned(url: string): Promise<string | undefined> {
    return (await this.read()).pins[pinKey(url)]?.fingerprint;
  }

  async pin(url: string, fingerprint: string): Promise<void> {
    const doc = await this.read();
    const key = pinKey(url);
    if (doc.pins[key] && normalizeFingerprint(doc.pins[key].fingerprint) === normalizeFingerprint(fingerprint)) return;
    doc.pins[key] = { fingerprint, pinnedAtMs: this.now() };
    await writeFileAtomic(this.path, JSON.stringify(doc, null, 2) + "\n", 0o600);
  }

  private async read(): Promise<PinDoc> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return { version: 1, pins: {} };
      throw err;
    }
    const doc = JSON.parse(text) as Partial<PinDoc>;
    if (!doc || typeof doc.pins !== "object" || doc.pins === null) {
      throw new Error(`${this.path} is damaged; it holds the TLS fingerprints this node trusts. Check it, or move it aside to trust the gateway's current certificate again`);
    }
    return { version: 1, pins: doc.pins };
  }
}

/** The SHA-256 fingerprint of the certificate the server at a wss:// URL presents (only the TLS handshake happens). */
export function probeFingerprint(url: string, timeoutMs: number): Promise<string> {
  const u = new URL(url);
  return presentedFingerprint(u.hostname.replace(/^\[|\]$/g, ""), Number(u.port || 443), timeoutMs);
}

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { DeviceIdentity } from "@clawdbot/protocol/client";
import { loadOrCreateIdentity } from "../identity-file.js";
import { writeFileAtomic } from "@clawdbot/sidecar/atomic-file";

/** Where this CLI keeps its own device identity and the device tokens it was issued. */
export class IdentityStore {
  constructor(private readonly stateDir: string) {}

  private get identityPath(): string {
    return join(this.stateDir, "identity", "device.json");
  }

  private get tokensPath(): string {
    return join(this.stateDir, "identity", "device-auth.json");
  }

  /** Loads the CLI's ed25519 identity, creating it (0600) on first use. */
  identity(): Promise<DeviceIdentity> {
    return loadOrCreateIdentity(this.identityPath, "move it aside to create a new identity");
  }

  /** The device token stored for a gateway URL and role, if any. */
  async deviceToken(url: string, role: string): Promise<string | undefined> {
    const all = await this.readTokens();
    return all[`${url}|${role}`];
  }

  /** Stores a device token issued by a gateway. */
  async saveDeviceToken(url: string, role: string, token: string): Promise<void> {
    const all = await this.readTokens();
    all[`${url}|${role}`] = token;
    await writeFileAtomic(this.tokensPath, JSON.stringify(all, null, 2) + "\n", 0o600);
  }

  /** Forgets a device token the gateway no longer accepts. */
  async dropDeviceToken(url: string, role: string): Promise<void> {
    const all = await this.readTokens();
    if (!(`${url}|${role}` in all)) return;
    delete all[`${url}|${role}`];
    await writeFileAtomic(this.tokensPath, JSON.stringify(all, null, 2) + "\n", 0o600);
  }

  private async readTokens(): Promise<Record<string, string>> {
    try {
      const parsed = JSON.parse(await readFile(this.tokensPath, "utf8")) as unknown;
      return parsed && typeof parsed === "object" ? (parsed as Record<string, string>) : {};
    } catch {
      return {};
    }
  }
}

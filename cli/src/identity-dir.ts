import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { DeviceIdentity } from "@clawdbot/protocol/client";
import { loadOrCreateIdentity } from "./identity-file.js";
import { writeFileAtomic } from "@clawdbot/sidecar/store";

/**
 * A device identity of its own (`<dir>/identity.json`, 0600) and the device tokens gateways issued
 * to it (`<dir>/device-auth.json`, 0600, keyed by gateway URL). The node host and the companion
 * each keep one, separate from the CLI's operator identity, so each is its own paired device.
 */
export class DeviceIdentityDir {
  /** `whatThen`: what to do when the identity file is damaged. */
  constructor(
    private readonly dir: string,
    private readonly whatThen: string,
  ) {}

  get identityPath(): string {
    return join(this.dir, "identity.json");
  }

  private get tokensPath(): string {
    return join(this.dir, "device-auth.json");
  }

  /** Loads the identity, creating it on first use. */
  identity(): Promise<DeviceIdentity> {
    return loadOrCreateIdentity(this.identityPath, this.whatThen);
  }

  async deviceToken(url: string): Promise<string | undefined> {
    return (await this.readTokens())[url];
  }

  async saveDeviceToken(url: string, token: string): Promise<void> {
    const all = await this.readTokens();
    all[url] = token;
    await writeFileAtomic(this.tokensPath, JSON.stringify(all, null, 2) + "\n", 0o600);
  }

  async dropDeviceToken(url: string): Promise<void> {
    const all = await this.readTokens();
    if (!(url in all)) return;
    delete all[url];
    await writeFileAtomic(this.tokensPath, JSON.stringify(all, null, 2) + "\n", 0o600);
  }

  private async readTokens(): Promise<Record<string, string>> {
    try {
      const parsed = JSON.parse(await readFile(this.tokensPath, "utf8")) as unknown;
      return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, string>) : {};
    } catch {
      return {};
    }
  }
}

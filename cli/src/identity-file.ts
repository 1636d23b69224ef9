import { readFile } from "node:fs/promises";
import { generateIdentity, identityFromPem, identityToPem, type DeviceIdentity } from "@clawdbot/protocol/client";
import { writeFileAtomic } from "@clawdbot/sidecar/atomic-file";

/**
 * Loads the ed25519 identity kept at `path`, creating it (0600) on first use. A damaged file is
 * an error naming it, followed by `whatThen` — never silently replaced by a new identity.
 */
export async function loadOrCreateIdentity(path: string, whatThen: string): Promise<DeviceIdentity> {
  try {
    const raw = JSON.parse(await readFile(path, "utf8")) as { privateKeyPem?: unknown };
    if (typeof raw.privateKeyPem !== "string") throw new Error("privateKeyPem missing");
    return identityFromPem(raw.privateKeyPem);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
      throw new Error(`${path} is damaged (${(err as Error).message}); ${whatThen}`);
    }
  }
  const id = generateIdentity();
  const doc = { version: 1, deviceId: id.deviceId, publicKey: id.publicKey, privateKeyPem: identityToPem(id), createdAtMs: Date.now() };
  await writeFileAtomic(path, JSON.stringify(doc, null, 2) + "\n", 0o600);
  return id;
}

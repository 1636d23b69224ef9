import { DeviceStore, NodePairingStore } from "@clawdbot/sidecar/pairing";
import { resolveStatePaths } from "@clawdbot/sidecar/config";

/** Opens the pairing stores directly (the gateway is not running); writes take the same lock the gateway uses. */
export async function openOfflineStores(env: Readonly<Record<string, string | undefined>>) {
  const { stateDir } = resolveStatePaths(env);
  return {
    stateDir,
    devices: await DeviceStore.open(stateDir, Date.now),
    nodes: await NodePairingStore.open(stateDir, Date.now),
  };
}

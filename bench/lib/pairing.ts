import { generateIdentity } from "@clawdbot/protocol/client";
import { closeSocket, handshake, saveIdentities, type BenchIdentity } from "./wire.js";

/**
 * Pairs `n` fresh identities with the gateway (local devices are auto-approved on their first
 * connect) and saves them with their issued device tokens to `file` for the load processes.
 * This runs before any measurement, so the pairing writes are not measured.
 */
export async function pairIdentities(url: string, n: number, file: string): Promise<BenchIdentity[]> {
  const list: BenchIdentity[] = [];
  for (let i = 0; i < n; i++) {
    const who: BenchIdentity = { identity: generateIdentity(), token: undefined };
    const { ws, hello } = await handshake(url, who, { mode: "cli", scopes: ["operator.admin"], useToken: false }, 10_000);
    await closeSocket(ws);
    const auth = hello["auth"] as { deviceToken?: string } | undefined;
    if (!auth?.deviceToken) throw new Error("pairing: hello-ok carried no device token");
    list.push({ identity: who.identity, token: auth.deviceToken });
  }
  await saveIdentities(file, list);
  return list;
}

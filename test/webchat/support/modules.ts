// The pages' browser modules, imported into node for unit tests: the protocol's browser client
// and the chat transcript, plus a localStorage stand-in.
import type { PageStorage } from "@clawdbot/protocol/browser";

export * as browser from "@clawdbot/protocol/browser";
export * as transcriptModule from "../../../sidecar/web/shared/chat/transcript.js";
export type { ChatEvent, ChatMessage, Transcript } from "../../../sidecar/web/shared/chat/transcript.js";
export type { BrowserClientOptions as ClientOptions, BrowserGatewayClient as GatewayClient, ConnectionStatus as Status, PageStorage } from "@clawdbot/protocol/browser";

/** A localStorage stand-in. */
export function memoryStorage(): PageStorage & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return {
    map,
    getItem: (k) => map.get(k) ?? null,
    setItem: (k, v) => void map.set(k, String(v)),
    removeItem: (k) => void map.delete(k),
  };
}

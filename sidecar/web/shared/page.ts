// What every gateway page shares: the socket URL (this page's own origin, nothing else), its
// storage, its typed client, and notices that show commands as code.

import nacl from "tweetnacl";
import { BrowserGatewayClient, identityKeys, type BrowserClientOptions, type PageStorage } from "@clawdbot/protocol/browser";

/** The socket URL comes from this page's location only: the query string and hash are never read. */
export function ownSocketUrl(loc: Pick<Location, "protocol" | "host"> = location): string {
  return `${loc.protocol === "https:" ? "wss" : "ws"}://${loc.host}/`;
}

/** localStorage, or a memory stand-in where the browser refuses it (the identity then lasts one visit). */
export function pageStorage(): PageStorage {
  try {
    const s = window.localStorage;
    s.setItem("clawdbot.probe", "1");
    s.removeItem("clawdbot.probe");
    return s;
  } catch {
    const m = new Map<string, string>();
    return { getItem: (k) => m.get(k) ?? null, setItem: (k, v) => void m.set(k, String(v)), removeItem: (k) => void m.delete(k) };
  }
}

export type PageClientOptions = Omit<BrowserClientOptions, "url" | "WebSocket" | "nacl" | "keys" | "subtle"> & {
  /** Storage prefix of this page's device identity, e.g. `clawdbot.webchat`. */
  identityPrefix: string;
};

/** The page's gateway client: its own origin's socket, tweetnacl keys, WebCrypto when present. */
export function pageClient(opts: PageClientOptions): BrowserGatewayClient {
  const { identityPrefix, ...rest } = opts;
  return new BrowserGatewayClient({
    ...rest,
    url: ownSocketUrl(),
    WebSocket: window.WebSocket,
    nacl,
    keys: identityKeys(identityPrefix),
    subtle: globalThis.crypto?.subtle ?? null,
  });
}

/** True when tweetnacl can make keys here (it needs crypto.getRandomValues). */
export function cryptoAvailable(): boolean {
  return typeof globalThis.crypto?.getRandomValues === "function";
}

/** Text nodes for `message`, with `quoted` parts as <code> (the gateway quotes commands that way). */
export function messageNodes(message: string): Node[] {
  return String(message)
    .split("`")
    .map((part, i) => {
      if (i % 2 === 0) return document.createTextNode(part);
      const c = document.createElement("code");
      c.textContent = part;
      return c;
    });
}

import { PermissionNameSchema, type PendingPairing, type PermissionName } from "@clawdbot/protocol/companion";
import { check } from "@clawdbot/protocol";
import type { ServiceAction } from "./service.js";

/** What a click (or a notification button) asks for. */
export type Action =
  | { kind: "approve" | "reject"; request: Pick<PendingPairing, "kind" | "requestId"> }
  | { kind: "service"; action: ServiceAction }
  | { kind: "open-control" | "open-webchat" | "whatsapp-link" | "copy-url" | "quit" }
  | { kind: "open-settings"; permission: PermissionName };

const SIMPLE: Record<string, Action> = {
  "open.control": { kind: "open-control" },
  "open.webchat": { kind: "open-webchat" },
  "whatsapp.link": { kind: "whatsapp-link" },
  "copy.url": { kind: "copy-url" },
  quit: { kind: "quit" },
  "service.start": { kind: "service", action: "start" },
  "service.stop": { kind: "service", action: "stop" },
  "service.restart": { kind: "service", action: "restart" },
  "service.install": { kind: "service", action: "install" },
};

/**
 * The action behind a menu item id (see `ITEM` in menu.ts) or a notification action
 * (`<notification id>#<action id>`); undefined for anything else.
 */
export function parseAction(id: string): Action | undefined {
  const simple = SIMPLE[id];
  if (simple) return simple;
  const pair = /^(?:pair\.(approve|reject):(device|node):(.+)|pair:(device|node):(.+)#(approve|reject))$/.exec(id);
  if (pair) {
    const kind = (pair[1] ?? pair[6]) as "approve" | "reject";
    return { kind, request: { kind: (pair[2] ?? pair[4]) as "device" | "node", requestId: (pair[3] ?? pair[5])! } };
  }
  if (/^channel:.+#link$/.test(id)) return { kind: "whatsapp-link" };
  const perm = /^permission\.open:(.+)$/.exec(id)?.[1];
  if (perm !== undefined && check(PermissionNameSchema, perm).ok) return { kind: "open-settings", permission: perm as PermissionName };
  return undefined;
}

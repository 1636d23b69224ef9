// What this browser keeps about how the Control UI connects, per gateway origin: the gateway token
// or password a person typed (shared/secret.ts), and whether to ask for full control or read-only.

import type { PageStorage } from "@clawdbot/protocol/browser";
import { SecretStore } from "../shared/secret.js";

const SECRET_KEY = "clawdbot.control.gatewayAuth";
const ACCESS_KEY = "clawdbot.control.access";

export type AccessMode = "full" | "read-only";

/** Scopes each access mode asks for. */
export const ACCESS_SCOPES: Record<AccessMode, string[]> = {
  full: ["operator.admin"],
  "read-only": ["operator.read"],
};

export class AccessStore extends SecretStore {
  constructor(storage: PageStorage, origin: string) {
    super(storage, origin, SECRET_KEY);
  }

  mode(): AccessMode {
    return this.storage.getItem(ACCESS_KEY) === "read-only" ? "read-only" : "full";
  }

  setMode(mode: AccessMode): void {
    this.storage.setItem(ACCESS_KEY, mode);
  }
}

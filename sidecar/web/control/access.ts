// What this browser keeps about how it connects, per gateway origin: the gateway token or password
// a person typed, and whether to ask for full control or read-only access. localStorage is already
// per origin; the stored origin is checked too, so a value is only ever sent back to the socket of
// the origin it was typed for.

import type { PageStorage, TypedSecret } from "@clawdbot/protocol/browser";

const SECRET_KEY = "clawdbot.control.gatewayAuth";
const ACCESS_KEY = "clawdbot.control.access";

export type AccessMode = "full" | "read-only";

/** Scopes each access mode asks for. */
export const ACCESS_SCOPES: Record<AccessMode, string[]> = {
  full: ["operator.admin"],
  "read-only": ["operator.read"],
};

export class AccessStore {
  constructor(
    private readonly storage: PageStorage,
    private readonly origin: string,
  ) {}

  /** The token or password typed for this origin, if any. */
  secret(): TypedSecret | undefined {
    try {
      const s = JSON.parse(this.storage.getItem(SECRET_KEY) ?? "null") as { origin?: unknown; token?: unknown; password?: unknown } | null;
      if (!s || s.origin !== this.origin) return undefined;
      if (typeof s.token === "string" && s.token !== "") return { token: s.token };
      if (typeof s.password === "string" && s.password !== "") return { password: s.password };
    } catch {
      // A damaged entry counts as none.
    }
    return undefined;
  }

  saveSecret(kind: "token" | "password", value: string): void {
    this.storage.setItem(SECRET_KEY, JSON.stringify({ origin: this.origin, [kind]: value }));
  }

  forgetSecret(): void {
    this.storage.removeItem(SECRET_KEY);
  }

  mode(): AccessMode {
    return this.storage.getItem(ACCESS_KEY) === "read-only" ? "read-only" : "full";
  }

  setMode(mode: AccessMode): void {
    this.storage.setItem(ACCESS_KEY, mode);
  }
}

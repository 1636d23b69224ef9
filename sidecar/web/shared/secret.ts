// The gateway token or password a person typed into a page, kept per gateway origin. localStorage is
// already per origin; the stored origin is checked too, so a value is only ever sent back to the
// socket of the origin it was typed for. Never read from or written to the address.

import type { PageStorage, TypedSecret } from "@clawdbot/protocol/browser";

export class SecretStore {
  constructor(
    protected readonly storage: PageStorage,
    private readonly origin: string,
    /** Storage key of this page's entry, e.g. `clawdbot.webchat.gatewayAuth`. */
    private readonly key: string,
  ) {}

  /** The token or password typed for this origin, if any. */
  secret(): TypedSecret | undefined {
    try {
      const s = JSON.parse(this.storage.getItem(this.key) ?? "null") as { origin?: unknown; token?: unknown; password?: unknown } | null;
      if (!s || s.origin !== this.origin) return undefined;
      if (typeof s.token === "string" && s.token !== "") return { token: s.token };
      if (typeof s.password === "string" && s.password !== "") return { password: s.password };
    } catch {
      // A damaged entry counts as none.
    }
    return undefined;
  }

  saveSecret(kind: "token" | "password", value: string): void {
    this.storage.setItem(this.key, JSON.stringify({ origin: this.origin, [kind]: value }));
  }

  forgetSecret(): void {
    this.storage.removeItem(this.key);
  }
}

import type { EventFrame, HelloOk } from "@clawdbot/protocol";
import { Backoff, GatewayClient, GatewayConnectError } from "@clawdbot/protocol/client";
import type { GatewaySummary } from "@clawdbot/protocol/companion";
import type { DeviceIdentityDir } from "../identity-dir.js";

/** The connection part of the gateway summary. */
export type LinkState = Pick<GatewaySummary, "state" | "detail" | "pairingRequestId">;

export interface GatewayLinkOptions {
  url: string;
  /** Gateway secret, when the gateway requires one before it issues a device token. */
  token: string | undefined;
  password: string | undefined;
  tlsFingerprint: string | undefined;
  identity: DeviceIdentityDir;
  version: string;
  platform: NodeJS.Platform;
  displayName: string;
  onState: (state: LinkState) => void;
  onConnected: (client: GatewayClient, hello: HelloOk) => void;
  onDisconnected: () => void;
  onEvent: (ev: EventFrame) => void;
  /** Broadcast events were missed: refresh everything. */
  onGap: () => void;
  log: (message: string) => void;
}

/**
 * Keeps one operator connection to the gateway with the companion's own device identity, retrying
 * with backoff, and says in the menu's words why it is not connected.
 */
export class GatewayLink {
  private readonly backoff = new Backoff(500, 5000);
  private wakeUp: (() => void) | undefined;

  constructor(private readonly o: GatewayLinkOptions) {}

  /** Retry now instead of after the backoff (the service was just started). */
  wake(): void {
    this.backoff.reset();
    this.wakeUp?.();
  }

  /** Connects, reconnects and reports until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const device = await this.o.identity.identity();
    this.o.log(`device ${device.deviceId} for ${this.o.url}`);
    let retriedWithoutToken = false;
    while (!signal.aborted) {
      const stored = this.o.token === undefined ? await this.o.identity.deviceToken(this.o.url) : undefined;
      let closed!: (end: { code: number; reason: string }) => void;
      const closedP = new Promise<{ code: number; reason: string }>((r) => (closed = r));
      let shutdown: string | undefined;
      const client = new GatewayClient({
        url: this.o.url,
        identity: device,
        client: { id: "clawdbot-macos", mode: "ui", version: this.o.version, platform: this.o.platform, displayName: this.o.displayName },
        role: "operator",
        scopes: ["operator.admin", "operator.approvals", "operator.pairing"],
        ...(this.o.token !== undefined ? { token: this.o.token } : {}),
        ...(this.o.password !== undefined ? { password: this.o.password } : {}),
        ...(stored !== undefined ? { deviceToken: stored } : {}),
        ...(this.o.tlsFingerprint !== undefined ? { tlsFingerprint: this.o.tlsFingerprint } : {}),
        onEvent: (ev) => {
          if (ev.event === "shutdown") shutdown = (ev.payload as { reason?: string } | undefined)?.reason ?? "gateway stopping";
          this.o.onEvent(ev);
        },
        onGap: () => this.o.onGap(),
        onClose: (code, reason) => closed({ code, reason }),
      });
      let hello: HelloOk;
      try {
        hello = await client.connect();
      } catch (err) {
        // A reset or rotated gateway no longer knows our token: forget it and pair again, once.
        if (stored !== undefined && !retriedWithoutToken && err instanceof GatewayConnectError && err.failure === "unauthorized") {
          retriedWithoutToken = true;
          await this.o.identity.dropDeviceToken(this.o.url);
          continue;
        }
        this.o.onState(classify(err, this.o.url));
        await this.pause(this.backoff.next(), signal);
        continue;
      }
      retriedWithoutToken = false;
      if (hello.auth) await this.o.identity.saveDeviceToken(this.o.url, hello.auth.deviceToken);
      this.backoff.reset();
      this.o.onState({ state: "running" });
      this.o.onConnected(client, hello);
      const end = await Promise.race([closedP, whenAborted(signal)]);
      client.close();
      this.o.onDisconnected();
      if (end === "aborted") return;
      this.o.onState(shutdown !== undefined ? { state: "stopped", detail: shutdown } : { state: "unreachable", detail: `connection lost (${end.code}${end.reason ? ` ${end.reason}` : ""})` });
      this.o.log(`disconnected: ${end.code} ${end.reason}`);
    }
  }

  private pause(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        this.wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener("abort", done, { once: true });
      this.wakeUp = done;
    });
  }
}

/** Resolves once `signal` aborts. */
export function whenAborted(signal: AbortSignal): Promise<"aborted"> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve("aborted");
    else signal.addEventListener("abort", () => resolve("aborted"), { once: true });
  });
}

/** Why the companion is not connected, in the menu's four states. */
export function classify(err: unknown, url: string): LinkState {
  if (!(err instanceof GatewayConnectError)) return { state: "unreachable", detail: (err as Error)?.message ?? String(err) };
  if (err.failure === "pairing-required") {
    const requestId = (err.error?.details as { requestId?: unknown } | undefined)?.requestId;
    const id = typeof requestId === "string" ? requestId : undefined;
    return {
      state: "pairing-required",
      detail: `approve this Mac on the gateway host: clawdbot pair approve ${id ?? "<request id>"}`,
      ...(id !== undefined ? { pairingRequestId: id } : {}),
    };
  }
  // Refused on this machine: nothing listens, the gateway is not running.
  if (err.failure === "unreachable" && /ECONNREFUSED/.test(err.message) && isLoopbackUrl(url)) {
    return { state: "stopped", detail: `nothing is listening on ${new URL(url).host}` };
  }
  return { state: "unreachable", detail: err.message };
}

function isLoopbackUrl(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, "");
  return host === "localhost" || host === "::1" || /^127\./.test(host);
}

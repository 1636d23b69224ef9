import { check, NodeInvokeRequestSchema, type EventFrame, type HelloOk } from "@clawdbot/protocol";
import type { Static } from "@sinclair/typebox";
import { Backoff, GatewayClient, GatewayConnectError, normalizeFingerprint, type DeviceIdentity } from "@clawdbot/protocol/client";
import { NodeCommandError, toOutcomeError, type CommandOutcome } from "./errors.js";
import type { CommandSet } from "./command-set.js";
import type { NodeIdentityStore } from "./identity.js";
import { probeFingerprint, type GatewayPinStore } from "./gateway-pin.js";
import { InvokeCache } from "./invoke-cache.js";

type InvokeRequest = Static<typeof NodeInvokeRequestSchema>;

export interface NodeLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface NodeHostOptions {
  /** The one gateway this node talks to (--url or node.json); never a discovered one. */
  url: string;
  displayName: string | undefined;
  version: string;
  platform: NodeJS.Platform;
  commands: CommandSet;
  identity: NodeIdentityStore;
  pins: GatewayPinStore;
  /** Where pins live, for messages. */
  pinPath: string;
  /** --tls-fingerprint: overrides (and on success replaces) the stored pin. */
  tlsFingerprint: string | undefined;
  /** Gateway token or password, for gateways that require one before a device token is issued. */
  token: string | undefined;
  password: string | undefined;
  /** Overrides hello-ok.canvasHostUrl. */
  canvasHostUrl: string | undefined;
  log: NodeLog;
  now?: () => number;
}

/** Exit codes of `clawdbot node run`. */
export const NODE_EXIT = { ok: 0, error: 1, tlsMismatch: 3 } as const;

/** Node frames may be up to 24 MiB; keep a margin for the envelope. */
const MAX_RESULT_JSON = 23 * 1024 * 1024;

type SessionEnd = { kind: "retry"; connected: boolean } | { kind: "retry-now" } | { kind: "fatal"; exit: number } | { kind: "stopped" };

/**
 * The headless node host: connects to one gateway as role "node", pairs like any device, serves
 * node.invoke.request with the commands this machine offers, and reconnects with backoff until
 * stopped.
 */
export class NodeHost {
  private readonly cache: InvokeCache;
  private readonly backoff = new Backoff(500, 30_000);
  private readonly wss: boolean;
  private device: DeviceIdentity | undefined;
  private canvasHostUrl: string | undefined;
  /** Fingerprint seen on the first TLS handshake of this process, before it is pinned. */
  private probed: string | undefined;
  private lastProblem = "";
  private announcedRequest: string | undefined;

  constructor(private readonly o: NodeHostOptions) {
    this.cache = new InvokeCache(o.now ?? Date.now);
    this.wss = new URL(o.url).protocol === "wss:";
    this.canvasHostUrl = o.canvasHostUrl;
  }

  /** The canvas host base URL (node.json override, else hello-ok.canvasHostUrl). */
  get canvasHost(): string | undefined {
    return this.canvasHostUrl;
  }

  /** Runs until `signal` aborts (exit 0) or a fatal problem (its exit code). */
  async run(signal: AbortSignal): Promise<number> {
    this.device = await this.o.identity.identity();
    this.o.log.info(`node ${this.device.deviceId} for ${this.o.url}; offers ${this.o.commands.commands.join(", ")}`);
    try {
      while (!signal.aborted) {
        const end = await this.session(signal).catch((err: unknown): SessionEnd => {
          this.problem(`connection attempt failed: ${(err as Error).message}`);
          return { kind: "retry", connected: false };
        });
        if (end.kind === "fatal") return end.exit;
        if (end.kind === "stopped") break;
        if (end.kind === "retry-now") continue;
        if (end.connected) this.backoff.reset();
        await sleep(this.backoff.next(), signal);
      }
      return NODE_EXIT.ok;
    } finally {
      await this.o.commands.close();
    }
  }

  private async session(signal: AbortSignal): Promise<SessionEnd> {
    const url = this.o.url;
    const fingerprint = this.wss ? await this.fingerprint() : undefined;
    const storedToken = this.o.token === undefined ? await this.o.identity.deviceToken(url) : undefined;
    let closed!: (v: { code: number; reason: string }) => void;
    const closedP = new Promise<{ code: number; reason: string }>((r) => (closed = r));
    const client: GatewayClient = new GatewayClient({
      url,
      identity: this.device!,
      client: {
        id: "node-host",
        mode: "node",
        platform: this.o.platform,
        version: this.o.version,
        ...(this.o.displayName ? { displayName: this.o.displayName } : {}),
      },
      role: "node",
      scopes: [],
      caps: this.o.commands.caps,
      commands: this.o.commands.commands,
      permissions: this.o.commands.permissions,
      ...(this.o.token !== undefined ? { token: this.o.token } : {}),
      ...(this.o.password !== undefined ? { password: this.o.password } : {}),
      ...(storedToken !== undefined ? { deviceToken: storedToken } : {}),
      ...(fingerprint !== undefined ? { tlsFingerprint: fingerprint } : {}),
      onEvent: (ev) => this.onEvent(client, ev),
      onClose: (code, reason) => closed({ code, reason }),
    });
    let hello: HelloOk;
    try {
      hello = await client.connect();
    } catch (err) {
      return this.connectFailed(err, storedToken !== undefined);
    }
    await this.onHello(hello, fingerprint);
    if (signal.aborted) {
      client.close();
      return { kind: "stopped" };
    }
    let onAbort: () => void = () => undefined;
    const stop = new Promise<"stopped">((r) => (onAbort = () => r("stopped")));
    signal.addEventListener("abort", onAbort, { once: true });
    const end = await Promise.race([closedP, stop]).finally(() => signal.removeEventListener("abort", onAbort));
    if (end === "stopped") {
      client.close();
      return { kind: "stopped" };
    }
    this.o.log.warn(`disconnected from ${url} (${end.code}${end.reason ? ` ${end.reason}` : ""}); reconnecting`);
    return { kind: "retry", connected: true };
  }

  /** ws:// → none; wss:// → --tls-fingerprint, else the pin, else (first use) what the server presents now. */
  private async fingerprint(): Promise<string> {
    if (this.o.tlsFingerprint) return this.o.tlsFingerprint;
    const pinned = await this.o.pins.pinned(this.o.url);
    if (pinned) return pinned;
    if (!this.probed) {
      this.probed = await probeFingerprint(this.o.url, 10_000);
      this.o.log.info(`first connection to ${this.o.url}: trusting its TLS certificate ${this.probed} (pinned once pairing succeeds)`);
    }
    return this.probed;
  }

  private async onHello(hello: HelloOk, fingerprint: string | undefined): Promise<void> {
    this.lastProblem = "";
    this.announcedRequest = undefined;
    if (hello.auth) await this.o.identity.saveDeviceToken(this.o.url, hello.auth.deviceToken);
    if (fingerprint !== undefined) {
      const before = await this.o.pins.pinned(this.o.url);
      if (!before || normalizeFingerprint(before) !== normalizeFingerprint(fingerprint)) {
        await this.o.pins.pin(this.o.url, fingerprint);
        this.o.log.info(`pinned the gateway's TLS certificate ${fingerprint} in ${this.o.pinPath}`);
      }
    }
    this.canvasHostUrl = this.o.canvasHostUrl ?? hello.canvasHostUrl;
    this.o.log.info(`connected to ${this.o.url} as node ${this.device!.deviceId} (connId ${hello.server.connId})`);
  }

  private async connectFailed(err: unknown, usedStoredToken: boolean): Promise<SessionEnd> {
    if (!(err instanceof GatewayConnectError)) throw err;
    switch (err.failure) {
      case "tls-fingerprint-mismatch":
        this.o.log.error(this.mismatchMessage(err.message));
        return { kind: "fatal", exit: NODE_EXIT.tlsMismatch };
      case "pairing-required": {
        const details = err.error?.details as { requestId?: unknown } | undefined;
        const requestId = typeof details?.requestId === "string" ? details.requestId : undefined;
        if (requestId !== this.announcedRequest) {
          this.announcedRequest = requestId;
          const how = requestId ? `approve request ${requestId} on the gateway host (clawdbot pair approve ${requestId})` : "approve it on the gateway host (clawdbot pair list)";
          this.o.log.warn(`pairing required: ${how}; retrying until it is approved`);
        }
        return { kind: "retry", connected: false };
      }
      case "unauthorized":
        if (usedStoredToken) {
          await this.o.identity.dropDeviceToken(this.o.url);
          this.o.log.warn("the gateway no longer accepts this node's device token; pairing again");
          return { kind: "retry-now" };
        }
        this.problem(`unauthorized: ${err.message} (pass --token or set CLAWDBOT_GATEWAY_TOKEN if the gateway requires one)`);
        return { kind: "retry", connected: false };
      default:
        this.problem(`cannot connect to ${this.o.url}: ${err.message}; retrying`);
        return { kind: "retry", connected: false };
    }
  }

  private mismatchMessage(detail: string): string {
    if (this.o.tlsFingerprint) return `refusing ${this.o.url}: its TLS certificate does not match --tls-fingerprint. ${detail}`;
    return (
      `refusing ${this.o.url}: the gateway's TLS certificate changed since this node pinned it (${this.o.pinPath}). ` +
      `${detail}. If the certificate was replaced on purpose, check the new fingerprint on the gateway host (clawdbot status) ` +
      `and run again with --tls-fingerprint <sha256>.`
    );
  }

  /** Logs a connection problem once until it changes (a retry loop stays quiet). */
  private problem(message: string): void {
    if (message === this.lastProblem) return;
    this.lastProblem = message;
    this.o.log.warn(message);
  }

  private onEvent(client: GatewayClient, ev: EventFrame): void {
    if (ev.event !== "node.invoke.request") return;
    const res = check(NodeInvokeRequestSchema, ev.payload);
    if (!res.ok) {
      this.o.log.warn("ignored a malformed node.invoke.request");
      return;
    }
    void this.serve(client, res.value);
  }

  private async serve(client: GatewayClient, req: InvokeRequest): Promise<void> {
    this.o.log.info(`received node.invoke.request ${req.command} (id ${req.id})`);
    const outcome =
      req.nodeId !== this.device!.deviceId
        ? toOutcomeError(new NodeCommandError("FORBIDDEN", `request addressed to node ${req.nodeId}, this is ${this.device!.deviceId}`))
        : await this.cache.run(req.command, req.idempotencyKey, req.paramsJSON ?? "", () => this.execute(req));
    const delivered = await this.answer(client, req, outcome);
    const status = outcome.ok ? "ok" : `error ${outcome.error.code}`;
    this.o.log.info(`answered ${req.command} (id ${req.id}): ${status}${delivered ? "" : " (not delivered: connection lost; a retry with the same idempotencyKey gets this outcome)"}`);
  }

  /** Parses paramsJSON here: nothing else in the envelope counts as a parameter or an approval. */
  private async execute(req: InvokeRequest): Promise<CommandOutcome> {
    try {
      let params: unknown;
      if (req.paramsJSON !== undefined) {
        try {
          params = JSON.parse(req.paramsJSON);
        } catch {
          return { ok: false, error: { code: "INVALID_REQUEST", message: `${req.command}: paramsJSON is not valid JSON` } };
        }
      }
      // The approval comes from the gateway's envelope only; anything in params is not one.
      const payload = await this.o.commands.run(req.command, params, { approval: req.approval });
      const size = JSON.stringify(payload ?? null).length;
      if (size > MAX_RESULT_JSON) {
        return { ok: false, error: { code: "TOO_LARGE", message: `${req.command} produced ${size} bytes; a node result may be at most ${MAX_RESULT_JSON}` } };
      }
      return { ok: true, payload };
    } catch (err) {
      return toOutcomeError(err);
    }
  }

  private async answer(client: GatewayClient, req: InvokeRequest, outcome: CommandOutcome): Promise<boolean> {
    const base = { id: req.id, nodeId: req.nodeId };
    try {
      await client.call("node.invoke.result", outcome.ok ? { ...base, ok: true, payload: outcome.payload } : { ...base, ok: false, error: outcome.error });
      return true;
    } catch {
      return false;
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

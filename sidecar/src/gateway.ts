import { CloseCode } from "@clawdbot/protocol";
import type { Logger } from "pino";
import { planReload, type GatewayConfig, type LoadedConfigFile, type ReloadPlan } from "./config/index.js";
import type { GatewayServices } from "./services.js";
import { Connection, type ConnectionDeps } from "./server/connection.js";
import { Connections } from "./server/connections.js";
import { Listener } from "./server/listener.js";
import { HostPolicy } from "./server/host-check.js";
import { PRE_HELLO_MAX_BYTES } from "./server/inbound-limit.js";
import { buildHello } from "./server/hello.js";
import { httpHandler } from "./server/http.js";
import { NonceSource } from "./auth/nonces.js";
import { createWebchatHandler } from "./web/webchat.js";
import { createControlUiHandler } from "./web/control-ui.js";
import { createBackend } from "./agent/create-backend.js";
import { CanvasHost } from "./canvas/host.js";
import { CanvasCapabilities } from "./canvas/capability.js";
import { isLoopbackAddress } from "./config/index.js";
import { GatewayAdvertiser, advertiseInterface } from "./discovery/index.js";
import { metricsEndpoint } from "./metrics/endpoint.js";
import { digest, secretMatches } from "./auth/secret.js";
import { openStores, timeoutSetting, wire, type Stores, type WiringOptions } from "./wiring.js";
import { watchChannelHealth } from "./state/channel-health.js";
import { channelModule } from "./channels/modules.js";
import { canvasProblem, webchatUrlOf, type GatewayAddresses } from "./server/addresses.js";

/** Nodes may send large results (canvas snapshots, screen recordings); operators stay at maxPayload. */
const NODE_MAX_PAYLOAD = 24 * 1024 * 1024;
/** Sockets that do not finish the close handshake within this are cut at shutdown. */
const CLOSE_GRACE_MS = 1000;

export type GatewayOptions = WiringOptions;

/** How often the health snapshot's channels are compared with the channel registry. */
const CHANNEL_HEALTH_MS = 1000;

/** The gateway daemon's lifecycle: build, listen, reload, stop. What it is made of lives in wiring.ts. */
export class Gateway {
  private readonly services: GatewayServices;
  private readonly connections: Connections;
  private readonly listener: Listener;
  private readonly log: Logger;
  private tickTimer: NodeJS.Timeout | undefined;
  private channelHealth: { stop: () => void } | undefined;
  private advertiser: GatewayAdvertiser | undefined;
  private readonly canvasHost: CanvasHost | undefined;
  /** Set once the canvas host listens. */
  private canvasHostUrl: string | undefined;
  private canvasPort: number | undefined;
  /** Why the canvas host is not serving, in words. */
  private canvasHostProblem: string | undefined;
  private stopping: Promise<void> | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly onRestart: ((reason: string) => void) | undefined;
  private readonly stores: Stores;

  private constructor(opts: GatewayOptions, stores: Stores) {
    const { config, logger } = opts;
    this.log = logger;
    this.onRestart = opts.onRestart;
    this.stores = stores;
    const facts = {
      port: () => this.listener.port,
      connectionCount: () => this.connections.size,
      connectionsByRole: () => this.connections.byRole(),
      canvasHostUrl: () => this.canvasHostUrl,
      canvasSessionUrl: (session: string) => (this.canvasHostUrl === undefined ? undefined : this.canvasHost?.sessionUrl(session)),
      addresses: () => this.addresses(),
      disconnectDevice: (...args: Parameters<GatewayServices["disconnectDevice"]>) => this.connections.disconnectDevice(...args),
    };
    const lifecycle = {
      applyConfig: (next: GatewayConfig, file: LoadedConfigFile) => this.applyConfig(next, file),
      scheduleRestart: (delayMs: number, reason: string) => this.scheduleRestart(delayMs, reason),
    };
    const { services, dispatcher, handshake } = wire(opts, stores, facts, lifecycle);
    this.services = services;
    this.connections = new Connections(services, logger, () => this.stopping !== undefined);
    const nonces = new NonceSource();
    const hosts = new HostPolicy({ bindHost: config.host, hostname: services.hostname, allowedHosts: () => services.config.allowedHosts });
    const connDeps: ConnectionDeps = {
      log: logger,
      now: services.now,
      handshakeTimeoutMs: config.handshakeTimeoutMs,
      maxBufferedBytes: config.maxBufferedBytes,
      maxPayload: config.maxPayload,
      nodeMaxPayload: NODE_MAX_PAYLOAD,
      handshake,
      nonce: () => nonces.next(),
      dispatcher,
      hello: (caller, auth) => buildHello(services, caller, auth, dispatcher.methods(), this.canvasHostUrl),
      onConnected: (conn, caller) => this.connections.connected(conn, caller),
      onClosed: (conn, caller) => this.connections.closed(conn, caller),
      metrics: services.metrics,
    };
    this.listener = new Listener({
      log: logger,
      tls: stores.tls,
      http: httpHandler({
        version: services.version,
        startedAt: services.startedAt,
        now: services.now,
        pages: [metricsEndpointFor(services, logger), createWebchatHandler(), createControlUiHandler()],
        channelRoute: (path) => services.channels.httpRoute(path),
      }),
      // Every socket starts with the pre-hello limit; its connection raises it after hello-ok.
      maxPayload: Math.min(PRE_HELLO_MAX_BYTES, config.maxPayload),
      allowedOrigins: () => services.config.allowedOrigins,
      hostAllowed: (host) => hosts.allows(host),
      proxies: () => services.config,
      stopping: () => this.stopping !== undefined,
      onSocket: (ws, peer, socket) => this.connections.add(new Connection(ws, peer, connDeps, socket)),
    });
    this.canvasHost =
      config.canvasPort === null
        ? undefined
        : new CanvasHost({
            files: services.canvasFiles,
            host: config.host,
            port: config.canvasPort,
            log: logger.child({ component: "canvas" }),
            hostAllowed: (host) => hosts.allows(host),
            // Reachable beyond loopback: pages need the capability URLs the gateway hands out.
            ...(isLoopbackAddress(config.host) ? {} : { capabilities: new CanvasCapabilities() }),
            ...(stores.tls ? { tls: { cert: stores.tls.cert, key: stores.tls.key } } : {}),
          });
  }

  /** Opens the stores under the state dir and builds the gateway (not yet listening). */
  static async create(opts: GatewayOptions): Promise<Gateway> {
    return new Gateway(opts, await openStores(opts.config, opts.now ?? Date.now, opts.logger));
  }

  /** The gateway's logger (for the runner's own messages). */
  get logger(): Logger {
    return this.log;
  }

  /** The port actually bound (useful with port 0). */
  get port(): number {
    return this.listener.port;
  }

  get url(): string {
    return this.services.url();
  }

  /**
   * What the gateway holds per live connection: sockets, event subscribers, presence rows, node
   * links and invokes waiting on a node. Every figure is back to zero once all clients have left.
   */
  liveState(): { connections: number; eventSinks: number; presenceRows: number; nodeLinks: number; pendingInvokes: number } {
    const s = this.services;
    return {
      connections: this.connections.size,
      eventSinks: s.broadcaster.size,
      presenceRows: s.presence.size,
      nodeLinks: s.nodes.linkCount,
      pendingInvokes: s.invoker.pendingCount,
    };
  }

  /** SHA-256 fingerprint of the TLS certificate, when serving wss://. */
  get tlsFingerprint(): string | undefined {
    return this.services.tls?.fingerprint256;
  }

  /** Where clients reach this gateway (complete once listening). */
  addresses(): GatewayAddresses {
    const fp = this.services.tls?.fingerprint256;
    return {
      websocketUrl: this.url,
      webchatUrl: webchatUrlOf(this.url),
      ...(this.canvasHostUrl ? { canvasHostUrl: this.canvasHostUrl } : {}),
      ...(this.canvasHostProblem ? { canvasHostProblem: this.canvasHostProblem } : {}),
      ...(fp ? { tlsFingerprint: fp } : {}),
    };
  }

  /**
   * Applies a reloaded, already validated config (SIGHUP, config.set/patch/apply). Logging,
   * heartbeats, the agent backend, the scheduler, channel access policies, origins, trusted
   * proxies and auto-approval follow at once; the plan names the keys that wait for a restart
   * (listener, auth, TLS, limits, channel credentials — see config/reload-plan.ts).
   */
  applyConfig(next: GatewayConfig, file: LoadedConfigFile): ReloadPlan {
    const s = this.services;
    const prev = s.config;
    const plan = planReload(s.configFile.file, file.file);
    const channelChanges = s.channels.reconfigure(next.channels);
    s.config = next;
    s.configFile = file;
    this.log.level = next.logLevel;
    s.heartbeat.setInterval(next.heartbeat.intervalMs);
    s.heartbeat.setEnabled(next.heartbeat.enabled);
    const changed = s.health.update((f) => ({
      ...f,
      heartbeat: { ...f.heartbeat, enabled: next.heartbeat.enabled, intervalMs: next.heartbeat.intervalMs },
    }));
    if (changed) s.stateEvents.healthChanged();
    if (JSON.stringify(prev.agent) !== JSON.stringify(next.agent)) s.runner.setBackend(createBackend(next.agent), next.agent.timeoutMs, timeoutSetting(next.agent));
    s.cron.reconfigure();
    this.log.info({ path: file.path, changed: plan.changed, restartRequired: plan.restart, channels: channelChanges }, "config reloaded");
    return plan;
  }

  /** Restarts this gateway in its process after `delayMs` (when the process offered a way to). */
  scheduleRestart(delayMs: number, reason: string): { scheduled: boolean; reason?: string } {
    const restart = this.onRestart;
    if (!restart) return { scheduled: false, reason: "this gateway runs without a way to restart itself; restart it to apply the change" };
    if (this.stopping) return { scheduled: false, reason: "the gateway is already stopping" };
    if (!this.restartTimer) {
      this.log.info({ delayMs, reason }, "restart scheduled");
      this.restartTimer = setTimeout(() => restart(reason), delayMs);
      this.restartTimer.unref();
    }
    return { scheduled: true };
  }

  /** Starts listening; resolves once the socket is bound. */
  async listen(): Promise<{ host: string; port: number }> {
    const s = this.services;
    const { host, port } = s.config;
    const bound = await this.listener.listen(host, port);
    await this.startCanvasHost();
    this.tickTimer = setInterval(() => {
      s.broadcaster.broadcast("tick", { ts: s.now() }, { droppable: true });
      this.connections.checkNodeLiveness();
    }, s.config.tickIntervalMs);
    this.tickTimer.unref();
    s.heartbeat.start();
    s.channels.startAll();
    this.channelHealth = watchChannelHealth({ channels: s.channels, health: s.health, stateEvents: s.stateEvents, labels: (id) => channelModule(id)?.label ?? id }, CHANNEL_HEALTH_MS);
    s.outbox.start();
    await s.cron.start();
    this.startAdvertising();
    this.log.info({ url: this.url, auth: s.config.auth.mode, ...(s.tls ? { tlsSha256: s.tls.fingerprint256 } : {}) }, "gateway listening");
    return { host, port: bound };
  }

  /** Graceful stop: `shutdown` event to every client, close 1012, then the server. */
  stop(reason = "gateway stopping", restartExpectedMs?: number): Promise<void> {
    this.stopping ??= this.doStop(reason, restartExpectedMs);
    return this.stopping;
  }

  /** The canvas host is optional: a port already in use is logged and nodes are told no URL. */
  private async startCanvasHost(): Promise<void> {
    if (!this.canvasHost) {
      this.canvasHostProblem = "off (gateway.canvasPort is null)";
      return;
    }
    try {
      const { port, url } = await this.canvasHost.listen();
      this.canvasPort = port;
      this.canvasHostUrl = url;
    } catch (err) {
      this.canvasHostProblem = canvasProblem(err, this.services.config.canvasPort ?? 0);
      this.log.warn({ err: (err as Error).message, port: this.services.config.canvasPort }, `canvas host ${this.canvasHostProblem}`);
    }
  }

  /** Bonjour is optional and isolated: it never delays readiness, and its failures are only logged. */
  private startAdvertising(): void {
    const { config, hostname, tls } = this.services;
    if (!config.discovery.enabled) return;
    try {
      this.advertiser = new GatewayAdvertiser({
        log: this.log,
        displayName: hostname.split(".")[0] || "Clawdbot Gateway",
        hostname,
        port: this.listener.port,
        canvasPort: this.canvasPort ?? null,
        tls: tls ? { fingerprintSha256: tls.fingerprint256 } : undefined,
        minimal: config.discovery.minimal,
        interfaceAddress: advertiseInterface(config.host),
      });
      this.advertiser.start();
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, "Bonjour advertising not started");
    }
  }

  private async doStop(reason: string, restartExpectedMs: number | undefined): Promise<void> {
    const s = this.services;
    await this.advertiser?.stop().catch(() => undefined);
    clearInterval(this.tickTimer);
    this.channelHealth?.stop();
    clearTimeout(this.restartTimer);
    s.heartbeat.stop();
    s.stateEvents.stop();
    const cronStopped = s.cron.stop();
    s.broadcaster.broadcast("shutdown", restartExpectedMs === undefined ? { reason } : { reason, restartExpectedMs });
    this.connections.closeAll(CloseCode.serviceRestart, "service restart");
    s.runner.abortAll();
    s.approvals.closeAll();
    await cronStopped;
    await this.stores.sessionIndex.flush();
    await this.canvasHost?.close().catch(() => undefined);
    await s.outbox.stop();
    await s.channels.stopAll();
    // Aborted runs still write their transcript tail and usage; nothing may write after stop.
    await s.runner.settled();
    await this.listener.close(CLOSE_GRACE_MS, () => this.connections.terminateAll());
    await s.nodes.close();
    // A handshake that was finishing as its socket closed may still be recording the device.
    await Promise.all([s.devices.settled(), s.nodePairing.settled()]);
    this.log.info({ reason }, "gateway stopped");
  }
}

/** GET /metrics: the gateway secret (fixed at start, like the handshake's) or an operator device token off loopback. */
function metricsEndpointFor(s: GatewayServices, log: Logger) {
  const { token, password } = s.config.auth;
  const digests = [token, password].filter((x): x is string => x !== undefined).map(digest);
  return metricsEndpoint({
    metrics: s.metrics,
    proxies: () => s.config,
    secretMatches: (presented) => digests.some((d) => secretMatches(presented, d)),
    deviceTokenScopes: (deviceId, t) => s.devices.verifyToken(deviceId, "operator", t),
    log,
  });
}

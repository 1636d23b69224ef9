import { createServer, type Server } from "node:http";
import { createServer as createTlsServer } from "node:https";
import { hostname as osHostname } from "node:os";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import {
  CloseCode,
  EVENT_NAMES,
  METHODS,
  PROTOCOL_VERSION,
  type HelloOk,
  type PresenceEntry,
} from "@clawdbot/protocol";
import type { Logger } from "pino";
import type { GatewayConfig, LoadedConfigFile } from "./config/index.js";
import { LogRing } from "./logging/log-ring.js";
import { PresenceRegistry } from "./state/presence.js";
import { HealthState } from "./state/health.js";
import { HeartbeatRunner } from "./state/heartbeat.js";
import { Broadcaster } from "./events/broadcaster.js";
import { StateEvents } from "./events/state-events.js";
import { DeviceStore } from "./pairing/device-store.js";
import { NodePairingStore } from "./pairing/node-store.js";
import { FailureRateLimiter } from "./auth/rate-limiter.js";
import { NonceSource } from "./auth/nonces.js";
import { classifyPeer } from "./auth/locality.js";
import { Dispatcher } from "./methods/dispatcher.js";
import { DedupeCache } from "./methods/dedupe.js";
import { buildHandlers } from "./methods/table.js";
import type { Caller } from "./methods/context.js";
import type { GatewayServices } from "./services.js";
import { Handshake, type Authenticated } from "./server/handshake.js";
import { Connection, type ConnectionDeps } from "./server/connection.js";
import { httpHandler } from "./server/http.js";
import { originAllowed } from "./server/origin.js";
import { GATEWAY_VERSION } from "./version.js";
import { TranscriptStore } from "./sessions/transcripts.js";
import { AgentRunner } from "./agent/runner.js";
import { createBackend } from "./agent/create-backend.js";
import { ChannelAccessStore } from "./channels/access-store.js";
import { Outbox } from "./channels/outbox.js";
import { ChannelRegistry, type ChannelEntry } from "./channels/registry.js";
import { InboundRouter, MAIN_SESSION_KEY } from "./channels/router.js";
import { TelegramAdapter } from "./channels/telegram/adapter.js";
import { loadTls, type TlsMaterial } from "./server/tls.js";
import { createWebchatHandler } from "./webchat/static.js";
import { NodeRegistry } from "./nodes/registry.js";
import { NodeInvoker } from "./nodes/invoker.js";
import { CanvasFiles } from "./canvas/files.js";
import { CanvasHost } from "./canvas/host.js";
import { GatewayAdvertiser, advertiseInterface } from "./discovery/index.js";

/** Nodes may send large results (canvas snapshots, screen recordings); operators stay at maxPayload. */
const NODE_MAX_PAYLOAD = 24 * 1024 * 1024;
/** hello-ok.features.events: the same list for every connect. */
const EVENT_LIST: string[] = [...EVENT_NAMES];

export interface GatewayOptions {
  config: GatewayConfig;
  configFile: LoadedConfigFile;
  logger: Logger;
  logRing?: LogRing;
  now?: () => number;
  hostname?: string;
}

/** The gateway daemon: one HTTP server, the WebSocket control plane on it, and the state behind it. */
export class Gateway {
  private readonly server: Server;
  private readonly wss: WebSocketServer;
  private readonly connections = new Set<Connection>();
  private readonly services: GatewayServices;
  private readonly connDeps: ConnectionDeps;
  private readonly log: Logger;
  private tickTimer: NodeJS.Timeout | undefined;
  private advertiser: GatewayAdvertiser | undefined;
  private readonly canvasHost: CanvasHost | undefined;
  /** Set once the canvas host listens. */
  private canvasHostUrl: string | undefined;
  private canvasPort: number | undefined;
  private boundPort = 0;
  private stopping: Promise<void> | undefined;

  private readonly channels: ChannelRegistry;
  private readonly outbox: Outbox;
  private readonly runner: AgentRunner;

  private constructor(opts: GatewayOptions, stores: Stores) {
    const { devices, nodePairing, channelAccess } = stores;
    const { config, logger } = opts;
    const now = opts.now ?? Date.now;
    const startedAt = now();
    const hostname = opts.hostname ?? osHostname();
    this.log = logger;
    const selfEntry: PresenceEntry = {
      ts: startedAt,
      host: hostname,
      version: GATEWAY_VERSION,
      platform: process.platform,
      mode: "gateway",
      reason: "self",
    };
    const presence = new PresenceRegistry(selfEntry);
    const hb = config.heartbeat;
    const health = new HealthState(
      { heartbeat: { enabled: hb.enabled, intervalMs: hb.intervalMs, lastTs: null }, channels: {} },
      startedAt,
      now,
    );
    const broadcaster = new Broadcaster();
    const stateEvents = new StateEvents(broadcaster, presence, health);
    const heartbeat = new HeartbeatRunner(hb.enabled, hb.intervalMs, now, (beat) => {
      broadcaster.broadcast("heartbeat", beat, { droppable: true, roles: ["operator"] });
      if (health.update((f) => ({ ...f, heartbeat: { ...f.heartbeat, lastTs: beat.ts } }))) stateEvents.healthChanged();
    });
    const transcripts = new TranscriptStore(config.paths.stateDir, logger);
    const runner = new AgentRunner({
      backend: createBackend(config.agent),
      transcripts,
      now,
      log: logger,
      defaultTimeoutMs: config.agent.timeoutMs,
      emitAgent: (ev, droppable) => broadcaster.broadcast("agent", ev, { droppable, roles: ["operator"] }),
      emitChat: (ev, droppable) => broadcaster.broadcast("chat", ev, { droppable, roles: ["operator"] }),
    });
    this.runner = runner;
    this.outbox = stores.outbox;
    const router = new InboundRouter({
      log: logger,
      runner,
      outbox: stores.outbox,
      registry: () => this.channels,
      accessStore: channelAccess,
    });
    this.channels = new ChannelRegistry(channelEntries(config, logger, now), {
      log: logger,
      now,
      onInbound: (msg, access) => router.handle(msg, access),
    });
    stores.outbox.bindAdapters((name) => this.channels.adapter(name));
    stores.nodes.bindAllowlist(() => this.services.config.nodes);
    this.services = {
      config,
      configFile: opts.configFile,
      version: GATEWAY_VERSION,
      hostname,
      startedAt,
      now,
      presence,
      health,
      heartbeat,
      logRing: opts.logRing ?? new LogRing(),
      stateEvents,
      broadcaster,
      devices,
      nodePairing,
      runner,
      transcripts,
      outbox: stores.outbox,
      channels: this.channels,
      channelAccess,
      disconnectDevice: (deviceId, role, reason, opts) => this.disconnectDevice(deviceId, role, reason, opts),
      connectionCount: () => this.connections.size,
      port: () => this.boundPort,
      url: () => `${stores.tls ? "wss" : "ws"}://${urlHost(config.host)}:${this.boundPort}`,
      tls: stores.tls,
      nodes: stores.nodes,
      invoker: new NodeInvoker(stores.nodes),
      canvasFiles: new CanvasFiles(config.paths.stateDir),
      canvasUrl: (session) => `${this.canvasHostUrl ?? `http://${urlHost(config.host)}:${config.canvasPort ?? 0}`}/${session}/`,
    };
    const dispatcher = new Dispatcher(METHODS, buildHandlers(this.services), new DedupeCache(now), logger);
    const handshake = new Handshake({
      config,
      current: () => this.services.config,
      devices,
      limiter: new FailureRateLimiter(config.authRateLimit.maxFailures, config.authRateLimit.windowMs, now),
      now,
      log: logger,
      onPairingRequested: (req) => {
        logger.info({ requestId: req.requestId, deviceId: req.deviceId, ip: req.remoteIp }, "pairing requested");
        broadcaster.broadcast("device.pair.requested", req, { scope: "operator.pairing" });
      },
    });
    const nonces = new NonceSource();
    this.connDeps = {
      log: logger,
      now,
      handshakeTimeoutMs: config.handshakeTimeoutMs,
      maxBufferedBytes: config.maxBufferedBytes,
      maxPayload: config.maxPayload,
      nodeMaxPayload: NODE_MAX_PAYLOAD,
      handshake,
      nonce: () => nonces.next(),
      dispatcher,
      hello: (caller, auth) => this.hello(caller, auth, dispatcher.methods()),
      onConnected: (conn, caller) => this.onConnected(conn, caller),
      onClosed: (conn, caller) => this.onClosed(conn, caller),
    };
    const http = httpHandler({ version: GATEWAY_VERSION, startedAt, now, webchat: createWebchatHandler() });
    this.server = stores.tls ? createTlsServer({ cert: stores.tls.cert, key: stores.tls.key }, http) : createServer(http);
    // Connections are tracked here (this.connections); ws need not keep its own set.
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload: Math.max(config.maxPayload, NODE_MAX_PAYLOAD),
      perMessageDeflate: false,
    });
    this.server.on("upgrade", (req, socket, head) => this.onUpgrade(req, socket, head));
    this.canvasHost =
      config.canvasPort === null
        ? undefined
        : new CanvasHost({
            files: this.services.canvasFiles,
            host: config.host,
            port: config.canvasPort,
            log: logger.child({ component: "canvas" }),
            ...(stores.tls ? { tls: { cert: stores.tls.cert, key: stores.tls.key } } : {}),
          });
    this.server.on("clientError", (_err, socket) => socket.destroy());
  }

  /** Opens the stores under the state dir and builds the gateway (not yet listening). */
  static async create(opts: GatewayOptions): Promise<Gateway> {
    const now = opts.now ?? Date.now;
    const dir = opts.config.paths.stateDir;
    const log = opts.logger;
    const stores: Stores = {
      devices: await DeviceStore.open(dir, now),
      nodePairing: await NodePairingStore.open(dir, now),
      channelAccess: await ChannelAccessStore.open(dir, now),
      outbox: await Outbox.open({ stateDir: dir, now, log }),
      tls: opts.config.tls.enabled ? await loadTls(dir, opts.config.tls) : undefined,
      nodes: await NodeRegistry.open(dir, now),
    };
    return new Gateway(opts, stores);
  }

  /** The gateway's logger (for the runner's own messages). */
  get logger(): Logger {
    return this.log;
  }

  /** The port actually bound (useful with port 0). */
  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    return this.services.url();
  }

  /**
   * Applies a reloaded, already validated config. Logging, heartbeats, the agent backend, channel
   * access policies, origins, trusted proxies and auto-approval follow at once; listener, auth
   * and TLS changes are reported as needing a restart.
   */
  applyConfig(next: GatewayConfig, file: LoadedConfigFile): string[] {
    const s = this.services;
    const prev = s.config;
    const needRestart: string[] = [];
    if (prev.host !== next.host || prev.port !== next.port) needRestart.push("bind/port");
    if (JSON.stringify(prev.auth) !== JSON.stringify(next.auth)) needRestart.push("auth");
    if (JSON.stringify(prev.tls) !== JSON.stringify(next.tls)) needRestart.push("tls");
    if (JSON.stringify(prev.channels) !== JSON.stringify(next.channels)) {
      for (const [name, ch] of Object.entries(next.channels)) if (ch) this.channels.updateAccess(name, ch);
      needRestart.push("channel credentials (access policies applied)");
    }
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
    if (JSON.stringify(prev.agent) !== JSON.stringify(next.agent)) this.runner.setBackend(createBackend(next.agent), next.agent.timeoutMs);
    this.log.info({ path: file.path, needRestart }, "config reloaded");
    return needRestart;
  }

  /** SHA-256 fingerprint of the TLS certificate, when serving wss://. */
  get tlsFingerprint(): string | undefined {
    return this.services.tls?.fingerprint256;
  }

  /** Starts listening; resolves once the socket is bound. */
  async listen(): Promise<{ host: string; port: number }> {
    const { host, port } = this.services.config;
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        this.server.off("error", reject);
        resolve();
      });
    });
    this.boundPort = (this.server.address() as AddressInfo).port;
    await this.startCanvasHost();
    this.tickTimer = setInterval(() => {
      this.services.broadcaster.broadcast("tick", { ts: this.services.now() }, { droppable: true });
      this.checkNodeLiveness();
    }, this.services.config.tickIntervalMs);
    this.tickTimer.unref();
    this.services.heartbeat.start();
    this.channels.startAll();
    this.outbox.start();
    this.startAdvertising();
    this.log.info(
      { url: this.url, auth: this.services.config.auth.mode, ...(this.services.tls ? { tlsSha256: this.services.tls.fingerprint256 } : {}) },
      "gateway listening",
    );
    return { host, port: this.boundPort };
  }

  /** Graceful stop: `shutdown` event to every client, close 1012, then the server. */
  stop(reason = "gateway stopping", restartExpectedMs?: number): Promise<void> {
    this.stopping ??= this.doStop(reason, restartExpectedMs);
    return this.stopping;
  }

  /** The canvas host is optional: a port already in use is logged and nodes are told no URL. */
  private async startCanvasHost(): Promise<void> {
    if (!this.canvasHost) return;
    try {
      const { port, url } = await this.canvasHost.listen();
      this.canvasPort = port;
      this.canvasHostUrl = url;
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, "canvas host not started");
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
        port: this.boundPort,
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
    await this.advertiser?.stop().catch(() => undefined);
    clearInterval(this.tickTimer);
    this.services.heartbeat.stop();
    const payload = restartExpectedMs === undefined ? { reason } : { reason, restartExpectedMs };
    this.services.broadcaster.broadcast("shutdown", payload);
    for (const conn of this.connections) conn.close(CloseCode.serviceRestart, "service restart");
    this.runner.abortAll();
    await this.canvasHost?.close().catch(() => undefined);
    await this.outbox.stop();
    await this.channels.stopAll();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      // Sockets that do not finish the close handshake promptly are cut.
      setTimeout(() => {
        for (const conn of this.connections) conn.terminate();
        this.server.closeAllConnections();
      }, 1000).unref();
    });
    this.wss.close();
    this.log.info({ reason }, "gateway stopped");
  }

  private attachNode(conn: Connection, caller: Caller): void {
    const p = conn.connectParams;
    const c = caller.client;
    this.services.nodes.attach(
      {
        nodeId: caller.presenceKey,
        caps: p?.caps ?? [],
        commands: p?.commands ?? [],
        permissions: p?.permissions ?? {},
        platform: c.platform,
        version: c.version,
        ...(c.displayName ? { displayName: c.displayName } : {}),
        ...(c.deviceFamily ? { deviceFamily: c.deviceFamily } : {}),
        ...(c.modelIdentifier ? { modelIdentifier: c.modelIdentifier } : {}),
        ...(caller.remoteIp ? { remoteIp: caller.remoteIp } : {}),
      },
      conn,
    );
  }

  /** Nodes are pinged every tick; one silent for two ticks is dropped, so node.list never shows a dead socket. */
  private checkNodeLiveness(): void {
    const now = this.services.now();
    const limit = this.services.config.tickIntervalMs * 2;
    for (const conn of this.connections) {
      if (conn.caller?.role !== "node") continue;
      if (now - conn.lastSeenAt > limit) {
        this.log.warn({ connId: conn.connId, silentMs: now - conn.lastSeenAt }, "node missed heartbeats; dropping it");
        conn.terminate();
      } else conn.ping();
    }
  }

  private disconnectDevice(deviceId: string, role: string, reason: string, opts: { tokenOnly?: boolean; exceptConnId?: string } = {}): number {
    let n = 0;
    for (const conn of this.connections) {
      const c = conn.caller;
      if (!c || c.deviceId !== deviceId || c.role !== role || c.connId === opts.exceptConnId) continue;
      if (!opts.tokenOnly || c.viaDeviceToken) {
        conn.close(CloseCode.policyViolation, reason);
        n++;
      }
    }
    return n;
  }

  private onUpgrade(req: import("node:http").IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on("error", () => socket.destroy());
    if (this.stopping) {
      socket.end("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n");
      return;
    }
    if (!originAllowed(req.headers, this.services.config.allowedOrigins)) {
      this.log.warn({ origin: req.headers.origin }, "websocket upgrade refused: origin not allowed");
      socket.end("HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\norigin not allowed\n");
      return;
    }
    // The 101 answer and connect.challenge leave in one write (ws completes the upgrade synchronously).
    socket.cork();
    try {
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        const peer = classifyPeer(req.socket.remoteAddress, req.headers, this.services.config);
        const conn = new Connection(ws, peer, this.connDeps);
        this.connections.add(conn);
      });
    } finally {
      socket.uncork();
    }
  }

  private hello(caller: Caller, auth: Authenticated, methods: string[]): HelloOk {
    const s = this.services;
    const hello: HelloOk = {
      type: "hello-ok",
      protocol: PROTOCOL_VERSION,
      server: { version: s.version, host: s.hostname, connId: caller.connId },
      features: { methods, events: EVENT_LIST },
      snapshot: {
        presence: s.presence.list(),
        health: s.health.snapshot(),
        stateVersion: s.stateEvents.stateVersion(),
        uptimeMs: s.now() - s.startedAt,
        configPath: s.config.paths.configPath,
        stateDir: s.config.paths.stateDir,
        sessionDefaults: { defaultAgentId: "main", mainKey: MAIN_SESSION_KEY, mainSessionKey: MAIN_SESSION_KEY },
      },
      policy: {
        maxPayload: s.config.maxPayload,
        maxBufferedBytes: s.config.maxBufferedBytes,
        tickIntervalMs: s.config.tickIntervalMs,
      },
    };
    if (auth.issued) hello.auth = auth.issued;
    if (this.canvasHostUrl) hello.canvasHostUrl = this.canvasHostUrl;
    return hello;
  }

  private onConnected(conn: Connection, caller: Caller): void {
    this.services.broadcaster.add(conn);
    if (caller.role === "node") this.attachNode(conn, caller);
    this.log.info(
      { connId: caller.connId, client: caller.client.id, mode: caller.client.mode, role: caller.role, ip: caller.remoteIp },
      "client connected",
    );
    if (!tracksPresence(caller)) return;
    const c = caller.client;
    const entry: PresenceEntry = {
      ts: this.services.now(),
      reason: "connect",
      mode: c.mode,
      version: c.version,
      platform: c.platform,
      roles: [caller.role],
      ...(caller.scopes.length > 0 ? { scopes: [...caller.scopes] } : {}),
      ...(caller.deviceId ? { deviceId: caller.deviceId } : {}),
      ...(c.instanceId ? { instanceId: c.instanceId } : {}),
      ...(c.displayName ? { host: c.displayName } : {}),
      ...(c.deviceFamily ? { deviceFamily: c.deviceFamily } : {}),
      ...(c.modelIdentifier ? { modelIdentifier: c.modelIdentifier } : {}),
      ...(caller.remoteIp ? { ip: caller.remoteIp } : {}),
    };
    this.services.presence.join(caller.presenceKey, caller.connId, entry);
    this.services.stateEvents.presenceChanged();
  }

  private onClosed(conn: Connection, caller: Caller | undefined): void {
    this.connections.delete(conn);
    this.services.broadcaster.remove(conn);
    if (!caller) return;
    this.log.debug({ connId: caller.connId }, "client disconnected");
    if (caller.role === "node") {
      this.services.nodes.detach(caller.presenceKey, caller.connId);
      this.services.invoker.nodeGone(caller.presenceKey, caller.connId);
    }
    if (this.services.presence.leave(caller.presenceKey, caller.connId) && !this.stopping) {
      this.services.stateEvents.presenceChanged();
    }
  }
}

interface Stores {
  devices: DeviceStore;
  nodePairing: NodePairingStore;
  channelAccess: ChannelAccessStore;
  outbox: Outbox;
  tls: TlsMaterial | undefined;
  nodes: NodeRegistry;
}

/** The channel adapters configured in clawdbot.json. */
function channelEntries(config: GatewayConfig, log: Logger, now: () => number): ChannelEntry[] {
  const entries: ChannelEntry[] = [];
  const tg = config.channels.telegram;
  if (tg) {
    entries.push({
      adapter: new TelegramAdapter({ config: tg, stateDir: config.paths.stateDir, log: log.child({ channel: "telegram" }), now }),
      access: tg,
      // A quiet chat keeps a long poll open for pollTimeoutSec; that is not silence.
      staleAfterMs: Math.max(tg.staleAfterMs, tg.pollTimeoutSec * 1000 + 5000),
    });
  }
  return entries;
}

/** One-shot CLI and probe connections stay out of presence. */
function tracksPresence(caller: Caller): boolean {
  return caller.client.mode !== "cli" && caller.client.mode !== "probe";
}

function urlHost(host: string): string {
  if (host === "0.0.0.0") return "127.0.0.1";
  return host.includes(":") ? `[${host}]` : host;
}

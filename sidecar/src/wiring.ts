import { hostname as osHostname, networkInterfaces } from "node:os";
import { join } from "node:path";
import { METHODS, type PresenceEntry } from "@clawdbot/protocol";
import type { Logger } from "pino";
import type { ConfigFile, GatewayConfig, LoadedConfigFile, ReloadPlan } from "./config/index.js";
import { LogRing } from "./logging/log-ring.js";
import { PresenceRegistry } from "./state/presence.js";
import { HealthState } from "./state/health.js";
import { HeartbeatRunner } from "./state/heartbeat.js";
import { Broadcaster } from "./events/broadcaster.js";
import { StateEvents } from "./events/state-events.js";
import { DeviceStore } from "./pairing/device-store.js";
import { NodePairingStore } from "./pairing/node-store.js";
import { FailureRateLimiter } from "./auth/rate-limiter.js";
import { Dispatcher } from "./methods/dispatcher.js";
import { DedupeCache } from "./methods/dedupe.js";
import { buildHandlers } from "./methods/table.js";
import type { GatewayServices } from "./services.js";
import { Handshake } from "./server/handshake.js";
import { GATEWAY_VERSION } from "./version.js";
import { TranscriptStore } from "./sessions/transcripts.js";
import { AgentRunner } from "./agent/runner.js";
import { createBackend } from "./agent/create-backend.js";
import { ChannelAccessStore } from "./channels/access-store.js";
import { Outbox } from "./channels/outbox.js";
import { ChannelRegistry } from "./channels/registry.js";
import { InboundRouter } from "./channels/router.js";
import { SecretRedactor } from "./channels/redactor.js";
import type { ChannelTransports } from "./channels/modules.js";
import { loadTls, type TlsMaterial } from "./server/tls.js";
import { NodeRegistry } from "./nodes/registry.js";
import { NodeInvoker } from "./nodes/invoker.js";
import { CanvasFiles } from "./canvas/files.js";
import { ApprovalBroker } from "./approvals/broker.js";
import { ExecPolicyFile } from "./approvals/policy-file.js";
import { ExecGate } from "./approvals/exec-gate.js";
import { UsageLedger } from "./agent/usage.js";
import { SessionIndex } from "./sessions/index-file.js";
import { SessionService } from "./sessions/service.js";
import { SystemNotes } from "./sessions/system-notes.js";
import { Waker } from "./state/waker.js";
import { CronService, openCronStore, type CronJobStore } from "./cron/service.js";
import { checkJob, createExecutor } from "./cron/execute.js";
import { systemTimers, type Timers } from "./cron/timers.js";
import { ConfigWriter } from "./config/writer.js";
import { modelChoices } from "./agent/models.js";
import { GatewayMetrics } from "./metrics/metrics.js";

export interface WiringOptions {
  config: GatewayConfig;
  configFile: LoadedConfigFile;
  logger: Logger;
  logRing?: LogRing;
  now?: () => number;
  hostname?: string;
  /** Channel transport seams (tests point a channel at a fake); the real libraries when absent. */
  channelTransports?: ChannelTransports;
  /** Timers of the cron scheduler (tests drive time with their own). */
  timers?: Timers;
  /**
   * Turns a config file into the effective config with this process's env and flags; config
   * writes (config.set/patch/apply) are refused without it.
   */
  resolve?: (file: ConfigFile) => GatewayConfig;
  /** Restarts the gateway in this process (config.apply with restartDelayMs); none without it. */
  onRestart?: (reason: string) => void;
}

/** The stores under the state dir, opened before anything is built on them. */
export interface Stores {
  devices: DeviceStore;
  nodePairing: NodePairingStore;
  channelAccess: ChannelAccessStore;
  outbox: Outbox;
  tls: TlsMaterial | undefined;
  nodes: NodeRegistry;
  usage: UsageLedger;
  transcripts: TranscriptStore;
  sessionIndex: SessionIndex;
  cronJobs: CronJobStore;
}

/** What only the running listener knows; asked at call time. */
export interface ListenerFacts {
  port(): number;
  connectionCount(): number;
  connectionsByRole(): Record<string, number>;
  canvasHostUrl(): string | undefined;
  /** A session's canvas URL (with its capability beyond loopback), once the canvas host listens. */
  canvasSessionUrl(session: string): string | undefined;
  addresses: GatewayServices["addresses"];
  disconnectDevice: GatewayServices["disconnectDevice"];
}

/** What the gateway's lifecycle does for the services (config writes apply and restart through it). */
export interface LifecycleHooks {
  applyConfig(next: GatewayConfig, file: LoadedConfigFile): ReloadPlan;
  scheduleRestart(delayMs: number, reason: string): { scheduled: boolean; reason?: string };
}

/** The gateway's parts, connected to each other but not yet started. */
export interface Wired {
  services: GatewayServices;
  dispatcher: Dispatcher;
  handshake: Handshake;
}

/** Opens every store under the state dir. */
export async function openStores(config: GatewayConfig, now: () => number, log: Logger): Promise<Stores> {
  const dir = config.paths.stateDir;
  let index: SessionIndex | undefined;
  const transcripts = new TranscriptStore(dir, log, { now, onAppend: (key, ev) => index?.recordAppend(key, ev.message, ev.header, ev.stamp) });
  index = await SessionIndex.open(transcripts, log);
  return {
    transcripts,
    sessionIndex: index,
    cronJobs: await openCronStore(dir),
    devices: await DeviceStore.open(dir, now),
    nodePairing: await NodePairingStore.open(dir, now),
    channelAccess: await ChannelAccessStore.open(dir, now),
    outbox: await Outbox.open({ stateDir: dir, now, log }),
    tls: config.tls.enabled ? await loadTls(dir, config.tls) : undefined,
    nodes: await NodeRegistry.open(dir, now, log),
    usage: await UsageLedger.open(dir, now),
  };
}

/** Builds the services every handler reaches, the dispatcher over them and the handshake. */
export function wire(opts: WiringOptions, stores: Stores, facts: ListenerFacts, lifecycle: LifecycleHooks): Wired {
  const { config, logger } = opts;
  const now = opts.now ?? Date.now;
  const startedAt = now();
  const hostname = opts.hostname ?? osHostname();
  const presence = new PresenceRegistry(selfPresence(hostname, startedAt));
  const hb = config.heartbeat;
  const health = new HealthState(
    { heartbeat: { enabled: hb.enabled, intervalMs: hb.intervalMs, lastTs: null }, channels: {}, channelOrder: [], channelLabels: {} },
    startedAt,
    now,
  );
  const metrics = new GatewayMetrics({
    methods: Object.keys(METHODS),
    sources: { connectionsByRole: facts.connectionsByRole, outboxPending: () => stores.outbox.pendingByChannel() },
  });
  stores.outbox.subscribe((ev) => {
    if (ev.type !== "attempt-failed") metrics.outboxItem(ev.item.channel, ev.type);
  });
  const broadcaster = new Broadcaster((event, sent, dropped) => metrics.event(event, sent, dropped));
  const stateEvents = new StateEvents(broadcaster, presence, health);
  const notes = new SystemNotes();
  let waker: Waker | undefined;
  let sessions: SessionService | undefined;
  const heartbeat = new HeartbeatRunner(hb.enabled, hb.intervalMs, now, (beat) => {
    broadcaster.broadcast("heartbeat", beat, { droppable: true, roles: ["operator"] });
    if (health.update((f) => ({ ...f, heartbeat: { ...f.heartbeat, lastTs: beat.ts } }))) stateEvents.healthChanged();
    waker?.onHeartbeat();
  });
  const { transcripts } = stores;
  const runner = new AgentRunner({
    backend: createBackend(config.agent),
    transcripts,
    now,
    log: logger,
    defaultTimeoutMs: config.agent.timeoutMs,
    timeoutSetting: timeoutSetting(config.agent),
    usage: stores.usage,
    emitAgent: (ev, droppable) => {
      const data = ev.data as { phase?: unknown; status?: unknown };
      if (ev.stream === "lifecycle" && data.phase === "end") metrics.agentRun(String(data.status ?? "ok"));
      broadcaster.broadcast("agent", ev, { droppable, roles: ["operator"] });
    },
    emitChat: (ev, droppable) => broadcaster.broadcast("chat", ev, { droppable, roles: ["operator"] }),
    settings: (key) => sessions?.settings(key) ?? {},
    drainNotes: (key) => notes.drain(key),
  });
  waker = new Waker({ notes, runner, heartbeat: () => heartbeat, log: logger });
  sessions = new SessionService({
    transcripts,
    index: stores.sessionIndex,
    runs: runner,
    now,
    log: logger,
    models: () => ({ ids: modelChoices(services.config.agent).map((m) => m.id), provider: services.config.agent.backend }),
    emitChat: (ev) => broadcaster.broadcast("chat", ev, { roles: ["operator"] }),
  });
  const { devices, nodePairing, channelAccess, outbox, nodes, tls } = stores;
  const router = new InboundRouter({
    log: logger,
    runner,
    outbox,
    registry: () => channels,
    accessStore: channelAccess,
    sendPolicy: (key) => sessions?.settings(key).sendPolicy,
  });
  const channels = new ChannelRegistry(config.channels, {
    log: logger,
    now,
    stateDir: config.paths.stateDir,
    redactor: new SecretRedactor(),
    ...(opts.channelTransports ? { transports: opts.channelTransports } : {}),
    onInbound: (msg, account) => router.handle(msg, account),
  });
  outbox.bindAdapters(
    (name, accountId) => channels.adapter(name, accountId),
    (item) => channels.recordOutbound(item.channel, item.accountId),
  );
  const invoker = new NodeInvoker(nodes);
  const approvals = new ApprovalBroker({
    now,
    requested: (p) => broadcaster.broadcast("exec.approval.requested", p, { scope: "operator.approvals" }),
    resolved: (p) => broadcaster.broadcast("exec.approval.resolved", p, { scope: "operator.approvals" }),
  });
  const execPolicy = new ExecPolicyFile(join(config.paths.stateDir, "exec-approvals.json"));
  const cron = new CronService(
    {
      stateDir: config.paths.stateDir,
      now,
      timers: opts.timers ?? systemTimers,
      log: logger.child({ component: "cron" }),
      config: () => services.config.cron,
      execute: createExecutor({ runner, channels, waker }),
      check: (job) => checkJob({ channels }, job),
      deliver: ({ channel, chatId, text, idempotencyKey }) => outbox.enqueue({ channel, chatId, text, idempotencyKey }, channels.chunker(channel)),
      emit: (ev) => broadcaster.broadcast("cron", ev, { roles: ["operator"], scope: "operator.read" }),
    },
    stores.cronJobs,
  );
  outbox.subscribe((ev) => cron.onOutbox(ev));
  const configWriter = new ConfigWriter({
    path: config.paths.configPath,
    log: logger,
    resolve: opts.resolve,
    apply: (next, file) => lifecycle.applyConfig(next, file),
    restart: (delayMs, reason) => lifecycle.scheduleRestart(delayMs, reason),
    running: () => services.configFile,
    notify: async (sessionKey, text) => void (await sessions!.inject({ sessionKey, message: text, label: "config" })),
  });
  const canvasFallback = `http://${urlHost(config.host)}:${config.canvasPort ?? 0}`;
  const services: GatewayServices = {
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
    outbox,
    channels,
    channelAccess,
    disconnectDevice: facts.disconnectDevice,
    connectionCount: facts.connectionCount,
    connectionsByRole: facts.connectionsByRole,
    port: facts.port,
    url: () => `${tls ? "wss" : "ws"}://${urlHost(config.host)}:${facts.port()}`,
    addresses: facts.addresses,
    tls,
    nodes,
    invoker,
    usage: stores.usage,
    metrics,
    approvals,
    execPolicy,
    execGate: new ExecGate({ invoker, nodes, broker: approvals, policy: execPolicy, now, log: logger }),
    canvasFiles: new CanvasFiles(config.paths.stateDir),
    canvasUrl: (session) => facts.canvasSessionUrl(session) ?? `${canvasFallback}/${session}/`,
    sessions,
    cron,
    configWriter,
    waker,
  };
  nodes.bindAllowlist(() => services.config.nodes);
  const dispatcher = new Dispatcher(METHODS, buildHandlers(services), new DedupeCache(now), logger);
  const handshake = new Handshake({
    config,
    current: () => services.config,
    devices,
    limiter: new FailureRateLimiter(config.authRateLimit.maxFailures, config.authRateLimit.windowMs, now),
    now,
    log: logger,
    onPairingRequested: (req) => {
      logger.info({ requestId: req.requestId, deviceId: req.deviceId, ip: req.remoteIp }, "pairing requested");
      broadcaster.broadcast("device.pair.requested", req, { scope: "operator.pairing" });
    },
  });
  return { services, dispatcher, handshake };
}

/** The config key an agent run's default time limit comes from. */
export function timeoutSetting(agent: GatewayConfig["agent"]): string {
  return agent.backend === "command" ? agent.timeoutSetting : "agent.timeoutMs";
}

/** The gateway's own presence row, shaped like the reference's: where it runs, in words too. */
export function selfPresence(hostname: string, startedAt: number, ip = primaryIPv4()): PresenceEntry {
  const family = FAMILIES[process.platform] ?? process.platform;
  const text = `Gateway: ${hostname}${ip ? ` (${ip})` : ""} · app ${GATEWAY_VERSION} · mode gateway · reason self`;
  return {
    ts: startedAt,
    host: hostname,
    ...(ip ? { ip } : {}),
    version: GATEWAY_VERSION,
    platform: process.platform,
    deviceFamily: family,
    mode: "gateway",
    reason: "self",
    text,
  };
}

const FAMILIES: Readonly<Record<string, string>> = { darwin: "Mac", linux: "Linux", win32: "Windows" };

/** The first non-internal IPv4 address of this host (undefined on a loopback-only machine). */
export function primaryIPv4(): string | undefined {
  for (const addrs of Object.values(networkInterfaces())) {
    const hit = addrs?.find((a) => a.family === "IPv4" && !a.internal);
    if (hit) return hit.address;
  }
  return undefined;
}

/** Host part of a URL for the bound address (wildcards answer on loopback). */
export function urlHost(host: string): string {
  if (host === "0.0.0.0") return "127.0.0.1";
  return host.includes(":") ? `[${host}]` : host;
}

import type { GatewayConfig, LoadedConfigFile } from "./config/index.js";
import type { PresenceRegistry } from "./state/presence.js";
import type { HealthState } from "./state/health.js";
import type { HeartbeatRunner } from "./state/heartbeat.js";
import type { LogRing } from "./logging/log-ring.js";
import type { StateEvents } from "./events/state-events.js";
import type { Broadcaster } from "./events/broadcaster.js";
import type { DeviceStore } from "./pairing/device-store.js";
import type { NodePairingStore } from "./pairing/node-store.js";
import type { AgentRunner } from "./agent/runner.js";
import type { TranscriptStore } from "./sessions/transcripts.js";
import type { Outbox } from "./channels/outbox.js";
import type { ChannelRegistry } from "./channels/registry.js";
import type { ChannelAccessStore } from "./channels/access-store.js";
import type { TlsMaterial } from "./server/tls.js";
import type { NodeRegistry } from "./nodes/registry.js";
import type { NodeInvoker } from "./nodes/invoker.js";
import type { CanvasFiles } from "./canvas/files.js";
import type { GatewayAddresses } from "./server/addresses.js";
import type { ApprovalBroker } from "./approvals/broker.js";
import type { UsageLedger } from "./agent/usage.js";
import type { ExecPolicyFile } from "./approvals/policy-file.js";
import type { ExecGate } from "./approvals/exec-gate.js";
import type { SessionService } from "./sessions/service.js";
import type { CronService } from "./cron/service.js";
import type { ConfigWriter } from "./config/writer.js";
import type { Waker } from "./state/waker.js";
import type { GatewayMetrics } from "./metrics/metrics.js";

/** What method handlers may use; built once by the gateway and passed down. */
export interface GatewayServices {
  /** Replaced as a whole when SIGHUP reloads a valid config file; read it at call time. */
  config: GatewayConfig;
  configFile: LoadedConfigFile;
  readonly version: string;
  readonly hostname: string;
  readonly startedAt: number;
  readonly now: () => number;
  readonly presence: PresenceRegistry;
  readonly health: HealthState;
  readonly heartbeat: HeartbeatRunner;
  readonly logRing: LogRing;
  readonly stateEvents: StateEvents;
  readonly broadcaster: Broadcaster;
  readonly devices: DeviceStore;
  readonly nodePairing: NodePairingStore;
  /**
   * Closes every live socket of (device, role) — only those let in by a device token, and never
   * `exceptConnId`, when `opts` says so; returns how many.
   */
  disconnectDevice(deviceId: string, role: string, reason: string, opts?: { tokenOnly?: boolean; exceptConnId?: string }): number;
  readonly runner: AgentRunner;
  readonly transcripts: TranscriptStore;
  readonly outbox: Outbox;
  readonly channels: ChannelRegistry;
  readonly channelAccess: ChannelAccessStore;
  readonly tls: TlsMaterial | undefined;
  readonly nodes: NodeRegistry;
  readonly invoker: NodeInvoker;
  readonly canvasFiles: CanvasFiles;
  /** Token and cost accounting of agent runs. */
  readonly usage: UsageLedger;
  /** Prometheus metrics served at GET /metrics. */
  readonly metrics: GatewayMetrics;
  /** Open exec approval requests waiting for an operator. */
  readonly approvals: ApprovalBroker;
  /** The gateway's exec approvals policy file. */
  readonly execPolicy: ExecPolicyFile;
  /** node.invoke with exec approvals applied to system.run. */
  readonly execGate: ExecGate;
  readonly sessions: SessionService;
  readonly cron: CronService;
  readonly configWriter: ConfigWriter;
  readonly waker: Waker;
  /** Base URL of a canvas session on the canvas host (ends with /). */
  canvasUrl(session: string): string;
  /** Open WebSocket connections (any state). */
  connectionCount(): number;
  /** Connections past their handshake, by role. */
  connectionsByRole(): Record<string, number>;
  /** The port actually bound (differs from config with port 0). */
  port(): number;
  /** ws:// URL clients use to reach this gateway. */
  url(): string;
  /** Every address of this gateway: socket, WebChat, canvas host (or why not), TLS fingerprint. */
  addresses(): GatewayAddresses;
}

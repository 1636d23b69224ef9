import { CloseCode, type PresenceEntry } from "@clawdbot/protocol";
import type { Logger } from "pino";
import type { Caller } from "../methods/context.js";
import type { GatewayServices } from "../services.js";
import type { Connection } from "./connection.js";
import { SECRET_ONLY_TAG } from "../state/presence.js";

/** What the connection set touches when clients come and go. */
export type ConnectionsDeps = Pick<GatewayServices, "broadcaster" | "nodes" | "invoker" | "presence" | "stateEvents" | "now" | "config">;

/** The live connections: presence, node links and liveness follow them in and out. */
export class Connections {
  private readonly all = new Set<Connection>();

  /** `stopping`: while true, departures are not announced as presence changes. */
  constructor(
    private readonly s: ConnectionsDeps,
    private readonly log: Logger,
    private readonly stopping: () => boolean,
  ) {}

  /** Open WebSocket connections (any state). */
  get size(): number {
    return this.all.size;
  }

  /** Connections past their handshake, counted by role (`operator`, `node`). */
  byRole(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const conn of this.all) {
      const role = conn.caller?.role;
      if (role !== undefined) counts[role] = (counts[role] ?? 0) + 1;
    }
    return counts;
  }

  add(conn: Connection): void {
    this.all.add(conn);
  }

  /** A connection finished its handshake. */
  connected(conn: Connection, caller: Caller): void {
    this.s.broadcaster.add(conn);
    if (caller.role === "node") this.attachNode(conn, caller);
    this.log.info(
      { connId: caller.connId, client: caller.client.id, mode: caller.client.mode, role: caller.role, ip: caller.remoteIp },
      "client connected",
    );
    if (!tracksPresence(caller)) return;
    this.s.presence.join(caller.presenceKey, caller.connId, presenceEntry(caller, this.s.now()));
    this.s.stateEvents.presenceChanged();
  }

  /** A connection's socket closed (before or after its handshake). */
  closed(conn: Connection, caller: Caller | undefined): void {
    this.all.delete(conn);
    this.s.broadcaster.remove(conn);
    if (!caller) return;
    this.log.debug({ connId: caller.connId }, "client disconnected");
    if (caller.role === "node") {
      this.s.nodes.detach(caller.presenceKey, caller.connId);
      this.s.invoker.nodeGone(caller.presenceKey, caller.connId);
    }
    if (this.s.presence.leave(caller.presenceKey, caller.connId) && !this.stopping()) this.s.stateEvents.presenceChanged();
  }

  /**
   * Closes every live socket of (device, role) — only those let in by a device token, and never
   * `exceptConnId`, when `opts` says so; returns how many.
   */
  disconnectDevice(deviceId: string, role: string, reason: string, opts: { tokenOnly?: boolean; exceptConnId?: string } = {}): number {
    let n = 0;
    for (const conn of this.all) {
      const c = conn.caller;
      if (!c || c.deviceId !== deviceId || c.role !== role || c.connId === opts.exceptConnId) continue;
      if (!opts.tokenOnly || c.viaDeviceToken) {
        conn.close(CloseCode.policyViolation, reason);
        n++;
      }
    }
    return n;
  }

  /** Nodes are pinged every tick; one silent for two ticks is dropped, so node.list never shows a dead socket. */
  checkNodeLiveness(): void {
    const now = this.s.now();
    const limit = this.s.config.tickIntervalMs * 2;
    for (const conn of this.all) {
      if (conn.caller?.role !== "node") continue;
      if (now - conn.lastSeenAt > limit) {
        this.log.warn({ connId: conn.connId, silentMs: now - conn.lastSeenAt }, "node missed heartbeats; dropping it");
        conn.terminate();
      } else conn.ping();
    }
  }

  /** Close frame to everyone (shutdown). */
  closeAll(code: number, reason: string): void {
    for (const conn of this.all) conn.close(code, reason);
  }

  /** Cuts the sockets that did not finish their close handshake. */
  terminateAll(): void {
    for (const conn of this.all) conn.terminate();
  }

  private attachNode(conn: Connection, caller: Caller): void {
    const p = conn.connectParams;
    const c = caller.client;
    this.s.nodes.attach(
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
}

/** One-shot CLI and probe connections stay out of presence. */
function tracksPresence(caller: Caller): boolean {
  return caller.client.mode !== "cli" && caller.client.mode !== "probe";
}

function presenceEntry(caller: Caller, now: number): PresenceEntry {
  const c = caller.client;
  return {
    ts: now,
    reason: "connect",
    mode: c.mode,
    version: c.version,
    platform: c.platform,
    roles: [caller.role],
    ...(caller.scopes.length > 0 ? { scopes: [...caller.scopes] } : {}),
    // A connection let in by the gateway secret alone is marked as such.
    ...(caller.deviceId ? { deviceId: caller.deviceId } : { tags: [SECRET_ONLY_TAG] }),
    ...(c.instanceId ? { instanceId: c.instanceId } : {}),
    ...(c.displayName ? { host: c.displayName } : {}),
    ...(c.deviceFamily ? { deviceFamily: c.deviceFamily } : {}),
    ...(c.modelIdentifier ? { modelIdentifier: c.modelIdentifier } : {}),
    ...(caller.remoteIp ? { ip: caller.remoteIp } : {}),
  };
}

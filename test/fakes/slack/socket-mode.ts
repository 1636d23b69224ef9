// Socket Mode as Slack serves it: apps.connections.open hands out a one-time ticket URL; the
// WebSocket opened on it gets `hello`, then `events_api` envelopes that the app must acknowledge by
// sending back `{envelope_id}`; Slack may ask it to reconnect with a `disconnect` envelope. Live
// sockets are counted per app (Slack allows several; a well-behaved client keeps one).
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import { CallLog, refuseUpgrade } from "../http-fake.js";

/** One envelope sent to the app, and whether and when it was acknowledged. */
export interface Envelope {
  seq: number;
  /** The envelope type: `events_api`, `disconnect` or `hello`. */
  method: string;
  params: Record<string, unknown>;
  envelopeId: string | undefined;
  socket: number;
  /** Position in the fake's overall order of observations (see FakeSlack.order). */
  sentOrder: number;
  ackOrder?: number;
  ack?: Record<string, unknown>;
}

interface LiveSocket {
  id: number;
  appId: string;
  ws: WebSocket;
}

export type DisconnectReason = "refresh_requested" | "link_disabled" | "warning";

export class SocketModeLink {
  readonly envelopes: CallLog<Envelope>;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly tickets = new Map<string, string>();
  private readonly live = new Set<LiveSocket>();
  private readonly peaks = new Map<string, number>();
  private readonly queued: Record<string, unknown>[] = [];
  private lastSocket = 0;
  /** While true, new sockets get no `hello` (the client sits waiting for it). */
  holdHello = false;
  /** Sockets ever opened, per app. */
  private readonly opened = new Map<string, number>();

  constructor(
    private readonly baseUrl: () => string,
    private readonly order: () => number,
  ) {
    this.envelopes = new CallLog("slack socket mode", (e) => `#${e.seq} ${e.method} on socket ${e.socket}${e.envelopeId ? ` ${e.envelopeId}` : ""} ${e.ackOrder ? "acked" : "unacked"}`);
  }

  /** A one-time Socket Mode URL for the app (what apps.connections.open returns). */
  issue(appId: string): string {
    const ticket = randomUUID();
    this.tickets.set(ticket, appId);
    return `${this.baseUrl().replace(/^http/, "ws")}/link/?ticket=${ticket}&app_id=${appId}`;
  }

  /** Takes an upgrade on `/link/`; a ticket that was not issued, or used before, is refused 401. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? "/", "http://fake");
    const ticket = url.searchParams.get("ticket") ?? "";
    const appId = this.tickets.get(ticket);
    if (url.pathname !== "/link/" || appId === undefined) {
      refuseUpgrade(socket, "401 Unauthorized");
      return;
    }
    this.tickets.delete(ticket);
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, appId));
  }

  /** Sockets of the app open right now. */
  liveCount(appId: string): number {
    return [...this.live].filter((s) => s.appId === appId).length;
  }

  /** Most sockets of the app open at once, ever. */
  peak(appId: string): number {
    return this.peaks.get(appId) ?? 0;
  }

  /** Sockets of the app opened so far. */
  openedCount(appId: string): number {
    return this.opened.get(appId) ?? 0;
  }

  /** Sends an events_api envelope to the app's newest socket (queued until one connects). */
  deliver(payload: Record<string, unknown>, retryAttempt = 0): string {
    const envelopeId = randomUUID();
    const frame = { envelope_id: envelopeId, payload, type: "events_api", accepts_response_payload: false, retry_attempt: retryAttempt, retry_reason: retryAttempt > 0 ? "timeout" : "" };
    const target = this.newest();
    if (target) this.send(target, frame, envelopeId);
    else this.queued.push(frame);
    return envelopeId;
  }

  /** Sends an envelope again, as Slack does when it was not acknowledged in time. */
  redeliver(envelopeId: string): string {
    const e = this.envelopes.calls.find((x) => x.envelopeId === envelopeId);
    if (!e) throw new Error(`fake slack: no envelope ${envelopeId}`);
    return this.deliver(e.params["payload"] as Record<string, unknown>, Number(e.params["retry_attempt"] ?? 0) + 1);
  }

  /** Asks every live socket to reconnect; Slack closes the old socket itself a little later. */
  disconnect(reason: DisconnectReason, opts: { closeAfterMs?: number } = {}): void {
    for (const s of [...this.live]) {
      this.send(s, { type: "disconnect", reason, debug_info: { host: "applink-fake" } }, undefined);
      if (opts.closeAfterMs !== undefined) setTimeout(() => s.ws.close(1000), opts.closeAfterMs).unref();
    }
  }

  /** Cuts every live socket without a close handshake (a dropped connection). */
  drop(): void {
    for (const s of [...this.live]) s.ws.terminate();
  }

  /** Envelopes of type events_api not acknowledged. */
  unacked(): Envelope[] {
    return this.envelopes.calls.filter((e) => e.method === "events_api" && e.ackOrder === undefined);
  }

  close(): void {
    for (const s of this.live) s.ws.terminate();
    this.wss.close();
  }

  private accept(ws: WebSocket, appId: string): void {
    const s: LiveSocket = { id: ++this.lastSocket, appId, ws };
    this.live.add(s);
    this.opened.set(appId, this.openedCount(appId) + 1);
    this.peaks.set(appId, Math.max(this.peak(appId), this.liveCount(appId)));
    ws.on("close", () => this.live.delete(s));
    ws.on("error", () => this.live.delete(s));
    ws.on("message", (data) => this.onMessage(s, String(data)));
    if (this.holdHello) return;
    this.send(s, { type: "hello", num_connections: this.liveCount(appId), debug_info: { host: "applink-fake", approximate_connection_time: 18060 }, connection_info: { app_id: appId } }, undefined);
    for (const frame of this.queued.splice(0)) this.send(s, frame, frame["envelope_id"] as string);
  }

  private onMessage(s: LiveSocket, text: string): void {
    let msg: { envelope_id?: unknown; payload?: unknown };
    try {
      msg = JSON.parse(text) as typeof msg;
    } catch {
      return;
    }
    const e = this.envelopes.calls.find((x) => x.envelopeId === msg.envelope_id && x.socket === s.id);
    if (!e || e.ackOrder !== undefined) return;
    e.ackOrder = this.order();
    e.ack = (msg.payload as Record<string, unknown> | undefined) ?? {};
    this.envelopes.changed(e);
  }

  private newest(): LiveSocket | undefined {
    return [...this.live].filter((s) => s.ws.readyState === s.ws.OPEN).at(-1);
  }

  private send(s: LiveSocket, frame: Record<string, unknown>, envelopeId: string | undefined): void {
    s.ws.send(JSON.stringify(frame));
    this.envelopes.add({ seq: this.envelopes.nextSeq(), method: String(frame["type"]), params: frame, envelopeId, socket: s.id, sentOrder: this.order() });
  }
}

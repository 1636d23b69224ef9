// The Discord gateway (v10, JSON encoding) as a bot sees it: HELLO with a heartbeat interval,
// heartbeats acknowledged (or withheld, to make a zombie connection), IDENTIFY checked for the
// token and privileged intents (4004, 4014), READY then GUILD_CREATE per guild, dispatches with a
// sequence number kept per session so RESUME replays what was missed and answers RESUMED, or
// INVALID_SESSION when the session is gone. Live sockets are counted.
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import { CallLog, refuseUpgrade } from "../http-fake.js";
import type { DiscordWorld } from "./world.js";

/** Gateway opcodes (GatewayOpcodes). */
export const OP = { Dispatch: 0, Heartbeat: 1, Identify: 2, PresenceUpdate: 3, Resume: 6, Reconnect: 7, InvalidSession: 9, Hello: 10, HeartbeatAck: 11 } as const;
/** Intent bits (GatewayIntentBits) the fake checks. */
export const INTENT = { Guilds: 1 << 0, GuildMembers: 1 << 1, GuildPresences: 1 << 8, GuildMessages: 1 << 9, DirectMessages: 1 << 12, MessageContent: 1 << 15 } as const;
const PRIVILEGED = INTENT.GuildMembers | INTENT.GuildPresences | INTENT.MessageContent;
const ALL_INTENTS = (1 << 26) - 1;

/** A frame the fake received or sent, in order. */
export interface GatewayFrame {
  seq: number;
  /** `in:<op name>` for client frames, `out:<op name or event>` for the fake's. */
  method: string;
  params: Record<string, unknown>;
  socket: number;
}

interface Session {
  id: string;
  seq: number;
  /** Every dispatch of the session, for RESUME to replay. */
  events: { s: number; t: string; d: unknown }[];
  socket: LiveSocket | undefined;
  invalid: boolean;
}

interface LiveSocket {
  id: number;
  ws: WebSocket;
  session: Session | undefined;
  /** Heartbeats seen on this socket. */
  beats: number;
}

const OP_NAME = Object.fromEntries(Object.entries(OP).map(([k, v]) => [v, k])) as Record<number, string>;

export class FakeGateway {
  readonly frames: CallLog<GatewayFrame>;
  /** What the application enabled in the developer portal (Privileged Gateway Intents). */
  readonly portal = { messageContent: true, serverMembers: false, presence: false };
  /** While true, heartbeats get no ACK (the connection turns into a zombie from the client's side). */
  withholdAcks = false;
  /** While true, dispatches are kept for RESUME but not sent (lost on a dying connection). */
  loseDispatches = false;
  heartbeatIntervalMs = 41_250;
  /** While true, IDENTIFY and RESUME are closed with 4004 (a token reset while REST still had the old one cached). */
  refuseToken = false;
  /** While true, new sockets get no HELLO (the client sits waiting for it). */
  holdHello = false;
  /** While true, IDENTIFY gets no READY (the client sits waiting for it). */
  holdReady = false;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly live = new Set<LiveSocket>();
  private readonly sessions = new Map<string, Session>();
  private current: Session | undefined;
  private lastSocket = 0;
  private peakLive = 0;
  private openedCount = 0;

  constructor(
    private readonly world: DiscordWorld,
    private readonly token: () => string,
    private readonly resumeUrl: () => string,
  ) {
    this.frames = new CallLog("discord gateway", (f) => `#${f.seq} ${f.method} on socket ${f.socket} ${JSON.stringify(f.params).slice(0, 120)}`);
  }

  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? "/", "http://fake");
    if (!url.pathname.startsWith("/gateway") || url.searchParams.get("encoding") !== "json") {
      refuseUpgrade(socket, "400 Bad Request");
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, url.pathname));
  }

  get liveCount(): number {
    return this.live.size;
  }

  /** Most sockets open at once, ever. */
  get peak(): number {
    return this.peakLive;
  }

  get opened(): number {
    return this.openedCount;
  }

  /** Client frames of an op (`Identify`, `Resume`, `Heartbeat`). */
  received(op: keyof typeof OP): GatewayFrame[] {
    return this.frames.of(`in:${op}`);
  }

  /** Sends an event to the bot's session; kept for replay when no socket is attached. */
  dispatch(t: string, d: unknown): void {
    const session = this.current;
    if (!session || session.invalid) return;
    const s = ++session.seq;
    session.events.push({ s, t, d });
    if (session.socket && !this.loseDispatches) this.send(session.socket, { op: OP.Dispatch, t, s, d });
  }

  /** Asks the client to reconnect and resume (op 7). */
  requestReconnect(): void {
    for (const s of this.live) this.send(s, { op: OP.Reconnect, d: null });
  }

  /** Ends the session: op 9 with `d: resumable`; a non-resumable session can no longer be resumed. */
  invalidateSession(resumable = false): void {
    for (const s of this.live) {
      if (!resumable && s.session) s.session.invalid = true;
      this.send(s, { op: OP.InvalidSession, d: resumable });
    }
  }

  /** Closes every live socket with a gateway close code. */
  closeAll(code: number, reason = ""): void {
    for (const s of this.live) s.ws.close(code, reason);
  }

  /** Cuts every live socket without a close frame. */
  drop(): void {
    for (const s of this.live) s.ws.terminate();
  }

  close(): void {
    for (const s of this.live) s.ws.terminate();
    this.wss.close();
  }

  /** A new socket (on `path`: `/gateway` from GET /gateway/bot, or the resume URL) gets HELLO. */
  private accept(ws: WebSocket, path: string): void {
    const s: LiveSocket = { id: ++this.lastSocket, ws, session: undefined, beats: 0 };
    this.live.add(s);
    this.openedCount++;
    this.peakLive = Math.max(this.peakLive, this.live.size);
    ws.on("close", () => this.detach(s));
    ws.on("error", () => this.detach(s));
    ws.on("message", (data) => this.onFrame(s, String(data)));
    if (this.holdHello) return;
    this.send(s, { op: OP.Hello, d: { heartbeat_interval: this.heartbeatIntervalMs }, s: null, t: null }, { path });
  }

  private detach(s: LiveSocket): void {
    this.live.delete(s);
    if (s.session?.socket === s) s.session.socket = undefined;
  }

  private onFrame(s: LiveSocket, text: string): void {
    let frame: { op?: number; d?: Record<string, unknown> | number | null };
    try {
      frame = JSON.parse(text) as typeof frame;
    } catch {
      s.ws.close(4002, "Error while decoding payload.");
      return;
    }
    const d = (typeof frame.d === "object" && frame.d !== null ? frame.d : { value: frame.d ?? null }) as Record<string, unknown>;
    this.frames.add({ seq: this.frames.nextSeq(), method: `in:${OP_NAME[frame.op ?? -1] ?? `op${frame.op}`}`, params: redactToken(d), socket: s.id });
    switch (frame.op) {
      case OP.Heartbeat:
        s.beats++;
        if (!this.withholdAcks) this.send(s, { op: OP.HeartbeatAck });
        return;
      case OP.Identify:
        return this.identify(s, d);
      case OP.Resume:
        return this.resume(s, d);
      case OP.PresenceUpdate:
        return;
      default:
        s.ws.close(4001, "Unknown opcode.");
    }
  }

  private identify(s: LiveSocket, d: Record<string, unknown>): void {
    if (s.session) return s.ws.close(4005, "Already authenticated.");
    if (!this.tokenOk(d)) return s.ws.close(4004, "Authentication failed.");
    const intents = Number(d["intents"]);
    if (!Number.isInteger(intents) || intents < 0 || intents > ALL_INTENTS) return s.ws.close(4013, "Invalid intent(s).");
    if (intents & PRIVILEGED & ~this.enabledPrivileged()) return s.ws.close(4014, "Disallowed intent(s).");
    if (this.holdReady) return;
    const session: Session = { id: randomUUID().replace(/-/g, ""), seq: 0, events: [], socket: s, invalid: false };
    this.sessions.set(session.id, session);
    this.current = session;
    s.session = session;
    const guilds = [...this.world.guilds.values()];
    this.dispatch("READY", {
      v: 10,
      user: this.world.bot,
      guilds: guilds.map((g) => ({ id: g.id, unavailable: true })),
      session_id: session.id,
      resume_gateway_url: this.resumeUrl(),
      shard: [0, 1],
      application: { id: this.world.applicationId, flags: 0 },
    });
    for (const g of guilds) this.dispatch("GUILD_CREATE", this.guildCreate(g.id));
  }

  private resume(s: LiveSocket, d: Record<string, unknown>): void {
    const session = this.sessions.get(String(d["session_id"]));
    if (!this.tokenOk(d)) return s.ws.close(4004, "Authentication failed.");
    if (!session || session.invalid) {
      this.send(s, { op: OP.InvalidSession, d: false });
      return;
    }
    if (session.socket && session.socket !== s) session.socket.ws.close(4009, "Session timed out.");
    session.socket = s;
    s.session = session;
    this.current = session;
    const after = Number(d["seq"] ?? 0);
    for (const e of session.events) if (e.s > after) this.send(s, { op: OP.Dispatch, t: e.t, s: e.s, d: e.d });
    const n = ++session.seq;
    session.events.push({ s: n, t: "RESUMED", d: {} });
    this.send(s, { op: OP.Dispatch, t: "RESUMED", s: n, d: {} });
  }

  private tokenOk(d: Record<string, unknown>): boolean {
    return !this.refuseToken && d["token"] === this.token();
  }

  private enabledPrivileged(): number {
    return (this.portal.messageContent ? INTENT.MessageContent : 0) | (this.portal.serverMembers ? INTENT.GuildMembers : 0) | (this.portal.presence ? INTENT.GuildPresences : 0);
  }

  /** GUILD_CREATE as Discord sends it after READY: the guild with its channels, threads and the bot's member. */
  guildCreate(guildId: string): Record<string, unknown> {
    const g = this.world.guilds.get(guildId)!;
    const all = [...this.world.channels.values()].filter((c) => (c as { guild_id?: string }).guild_id === g.id);
    const isThread = (c: { type: number }) => c.type === 11 || c.type === 12;
    return {
      id: g.id,
      name: g.name,
      icon: null,
      splash: null,
      discovery_splash: null,
      owner_id: g.ownerId,
      afk_channel_id: null,
      afk_timeout: 300,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      roles: [{ id: g.id, name: "@everyone", color: 0, hoist: false, position: 0, permissions: "1071698660929", managed: false, mentionable: false, flags: 0 }],
      emojis: [],
      features: [],
      mfa_level: 0,
      application_id: null,
      system_channel_id: null,
      system_channel_flags: 0,
      rules_channel_id: null,
      vanity_url_code: null,
      description: null,
      banner: null,
      premium_tier: 0,
      preferred_locale: "en-US",
      public_updates_channel_id: null,
      nsfw_level: 0,
      stickers: [],
      premium_progress_bar_enabled: false,
      joined_at: new Date(Date.UTC(2024, 0, 1)).toISOString(),
      large: false,
      unavailable: false,
      member_count: g.memberIds.size,
      voice_states: [],
      members: [this.world.member(this.world.bot.id)],
      channels: all.filter((c) => !isThread(c)),
      threads: all.filter(isThread),
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
    };
  }

  private send(s: LiveSocket, frame: { op: number; t?: string | null; s?: number | null; d?: unknown }, note: Record<string, unknown> = {}): void {
    if (s.ws.readyState !== s.ws.OPEN) return;
    s.ws.send(JSON.stringify({ t: null, s: null, d: null, ...frame }));
    const name = frame.op === OP.Dispatch ? String(frame.t) : (OP_NAME[frame.op] ?? `op${frame.op}`);
    this.frames.add({ seq: this.frames.nextSeq(), method: `out:${name}`, params: { s: frame.s ?? null, ...note }, socket: s.id });
  }
}

function redactToken(d: Record<string, unknown>): Record<string, unknown> {
  return "token" in d ? { ...d, token: "[token]" } : d;
}

import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { Logger } from "pino";
import { WebSocketServer, WebSocket } from "ws";

/** The script tag every served HTML page gets; live.js connects back to `/__clawdbot__/ws`. */
export function liveScriptTag(version: string): string {
  return `<script src="/__clawdbot__/live.js" data-version="${version}"></script>`;
}

/** Server → page messages on the canvas WebSocket. */
export type LiveMessage =
  | { type: "reload"; session: string }
  | { type: "a2ui.push"; messages: unknown[] }
  | { type: "a2ui.reset" };

/**
 * Inserts the live-reload script (carrying the session's version at serving time) before the
 * last `</body>`, or at the end when there is none.
 */
export function injectLiveReload(html: string, version: string): string {
  const tag = liveScriptTag(version);
  const at = html.search(/<\/body\s*>(?![\s\S]*<\/body\s*>)/i);
  return at === -1 ? `${html}\n${tag}\n` : `${html.slice(0, at)}${tag}\n${html.slice(at)}`;
}

/**
 * The canvas WebSocket: session pages (`?session=<name>&version=<v>`) hear `reload` when their
 * files change; A2UI pages (`?a2ui=1`) hear pushed A2UI messages. The server only ever sends; what
 * pages send is ignored. Upgrades from another origin than the canvas host's own are refused.
 *
 * Each session has a version that moves on every change. A page is served with the version of
 * that moment and says it when it connects; a page whose version is already behind (a change
 * landed while it was loading or reconnecting, when no message could reach it) is told to reload
 * at once, so no change is ever missed.
 */
export class LiveReloadHub {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 4096, perMessageDeflate: false });
  private readonly sessions = new Map<string, Set<WebSocket>>();
  private readonly a2ui = new Set<WebSocket>();
  /** Distinguishes this host's versions from those of an earlier run. */
  private readonly boot = randomBytes(4).toString("hex");
  /** Moves on changes of an unknown session (they count for every session). */
  private epoch = 0;
  private readonly changes = new Map<string, number>();

  constructor(private readonly log: Logger) {}

  /** The current version of a session's files. */
  version(session: string): string {
    return `${this.boot}.${this.epoch}.${this.changes.get(session) ?? 0}`;
  }

  /** Takes over an upgrade request for `/__clawdbot__/ws`. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? "/", "http://canvas.invalid");
    const session = url.searchParams.get("session");
    const seen = url.searchParams.get("version");
    const wantsA2ui = url.searchParams.has("a2ui");
    if (!sameOrigin(req)) return reject(socket, 403, "Forbidden");
    if (!wantsA2ui && !session) return reject(socket, 400, "Bad Request");
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on("error", (err) => this.log.debug({ err }, "canvas live socket error"));
      ws.on("message", () => undefined);
      if (wantsA2ui || !session) return this.join(this.a2ui, ws);
      this.join(this.groupOf(session), ws, () => this.sessions.delete(session));
      if (seen && seen !== this.version(session)) send([ws], { type: "reload", session });
    });
  }

  /** Adds a socket to its group until it closes; `onEmpty` runs when the group empties. */
  private join(group: Set<WebSocket>, ws: WebSocket, onEmpty?: () => void): void {
    group.add(ws);
    ws.on("close", () => {
      group.delete(ws);
      if (group.size === 0) onEmpty?.();
    });
  }

  /** Moves the version of `session` (or of every session, for null) and tells its pages to reload. */
  reload(session: string | null): number {
    if (session === null) this.epoch++;
    else this.changes.set(session, (this.changes.get(session) ?? 0) + 1);
    const targets = session === null ? [...this.sessions.entries()] : [[session, this.sessions.get(session)] as const];
    let n = 0;
    for (const [name, group] of targets) n += send(group, { type: "reload", session: name });
    return n;
  }

  /** Sends A2UI messages to every connected A2UI page; the number of pages reached. */
  pushA2ui(messages: unknown[]): number {
    return send(this.a2ui, { type: "a2ui.push", messages });
  }

  resetA2ui(): number {
    return send(this.a2ui, { type: "a2ui.reset" });
  }

  /** Closes every page socket (1001 going away) and the server. */
  close(): Promise<void> {
    for (const ws of this.wss.clients) ws.close(1001, "canvas host stopping");
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        for (const ws of this.wss.clients) ws.terminate();
      }, 1000);
      timer.unref();
      this.wss.close(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private groupOf(session: string): Set<WebSocket> {
    let group = this.sessions.get(session);
    if (!group) this.sessions.set(session, (group = new Set()));
    return group;
  }
}

function send(group: Iterable<WebSocket> | undefined, msg: LiveMessage): number {
  if (!group) return 0;
  const data = JSON.stringify(msg);
  let n = 0;
  for (const ws of group) {
    if (ws.readyState !== WebSocket.OPEN) continue;
    ws.send(data);
    n++;
  }
  return n;
}

/** Browsers always send Origin on WebSocket upgrades; it must name this very host. Tools send none. */
function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

function reject(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

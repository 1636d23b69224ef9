import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { Logger } from "pino";
import { WebSocketServer, WebSocket } from "ws";

/** The script tag every served HTML page gets; live.js connects back to LIVE_WS_PATH. */
export const LIVE_SCRIPT_TAG = '<script src="/__clawdbot__/live.js"></script>';
export const LIVE_WS_PATH = "/__clawdbot__/ws";

/** Server → page messages on the canvas WebSocket. */
export type LiveMessage =
  | { type: "reload"; session: string }
  | { type: "a2ui.push"; messages: unknown[] }
  | { type: "a2ui.reset" };

/** Inserts the live-reload script before the last `</body>`, or at the end when there is none. */
export function injectLiveReload(html: string): string {
  const at = html.search(/<\/body\s*>(?![\s\S]*<\/body\s*>)/i);
  return at === -1 ? `${html}\n${LIVE_SCRIPT_TAG}\n` : `${html.slice(0, at)}${LIVE_SCRIPT_TAG}\n${html.slice(at)}`;
}

/**
 * The canvas WebSocket: session pages (`?session=<name>`) hear `reload` when their files change;
 * A2UI pages (`?a2ui=1`) hear pushed A2UI messages. The server only ever sends; what pages send
 * is ignored. Upgrades from another origin than the canvas host's own are refused.
 */
export class LiveReloadHub {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 4096, perMessageDeflate: false });
  private readonly sessions = new Map<string, Set<WebSocket>>();
  private readonly a2ui = new Set<WebSocket>();

  constructor(private readonly log: Logger) {}

  /** Takes over an upgrade request for LIVE_WS_PATH. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? "/", "http://canvas.invalid");
    const session = url.searchParams.get("session");
    const wantsA2ui = url.searchParams.has("a2ui");
    if (!sameOrigin(req)) return reject(socket, 403, "Forbidden");
    if (!wantsA2ui && !session) return reject(socket, 400, "Bad Request");
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on("error", (err) => this.log.debug({ err }, "canvas live socket error"));
      ws.on("message", () => undefined);
      const group = wantsA2ui ? this.a2ui : this.groupOf(session!);
      group.add(ws);
      ws.on("close", () => {
        group.delete(ws);
        if (!wantsA2ui && group.size === 0 && this.sessions.get(session!) === group) this.sessions.delete(session!);
      });
    });
  }

  /** Tells the pages of `session` (or of every session, for null) to reload. */
  reload(session: string | null): number {
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

function send(group: Set<WebSocket> | undefined, msg: LiveMessage): number {
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

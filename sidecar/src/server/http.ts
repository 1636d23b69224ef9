import type { IncomingMessage, ServerResponse } from "node:http";
import type { PageHandler } from "../web/static.js";

export interface HttpRoutesDeps {
  version: string;
  startedAt: number;
  now: () => number;
  /** Pages on the same port (WebChat, Control UI); each claims its own paths. */
  pages?: readonly PageHandler[];
  /** A channel's endpoint for a path (Slack's Events API), if a running channel serves one there. */
  channelRoute?: (path: string) => ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
}

/** Plain HTTP on the gateway port: `/health` for supervisors, channel endpoints, pages; other paths 404. */
export function httpHandler(deps: HttpRoutesDeps) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/health" && (req.method === "GET" || req.method === "HEAD")) {
      const body = JSON.stringify({ ok: true, version: deps.version, uptimeMs: deps.now() - deps.startedAt });
      res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(req.method === "HEAD" ? undefined : body);
      return;
    }
    const channel = path === undefined ? undefined : deps.channelRoute?.(path);
    if (channel) return channel(req, res);
    for (const page of deps.pages ?? []) if (page(req, res)) return;
    res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
    res.end("not found\n");
  };
}

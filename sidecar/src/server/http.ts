import type { IncomingMessage, ServerResponse } from "node:http";
import type { PageHandler } from "../web/static.js";

export interface HttpRoutesDeps {
  version: string;
  startedAt: number;
  now: () => number;
  /** Pages on the same port (WebChat, Control UI); each claims its own paths. */
  pages?: readonly PageHandler[];
}

/** Plain HTTP on the gateway port: `/health` for supervisors; other paths 404 until a page claims them. */
export function httpHandler(deps: HttpRoutesDeps) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/health" && (req.method === "GET" || req.method === "HEAD")) {
      const body = JSON.stringify({ ok: true, version: deps.version, uptimeMs: deps.now() - deps.startedAt });
      res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(req.method === "HEAD" ? undefined : body);
      return;
    }
    for (const page of deps.pages ?? []) if (page(req, res)) return;
    res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
    res.end("not found\n");
  };
}

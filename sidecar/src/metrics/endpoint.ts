import type { IncomingMessage } from "node:http";
import { scopeSatisfied } from "@clawdbot/protocol";
import type { Logger } from "pino";
import { classifyPeer, type ProxyConfig } from "../auth/locality.js";
import type { PageHandler } from "../web/static.js";
import type { GatewayMetrics } from "./metrics.js";

export interface MetricsEndpointDeps {
  metrics: GatewayMetrics;
  proxies: () => ProxyConfig;
  /** Whether a presented bearer is the gateway token or password (constant time). */
  secretMatches: (presented: string) => boolean;
  /** Scopes of a valid operator device token, null when it is not one. */
  deviceTokenScopes: (deviceId: string, token: string) => readonly string[] | null;
  log: Logger;
}

/** Header naming the device whose token is the bearer (device tokens are per device). */
export const DEVICE_ID_HEADER = "x-clawdbot-device-id";

/**
 * `GET /metrics` in Prometheus text format. A local request needs nothing; any other needs
 * `Authorization: Bearer <gateway token or password>`, or a device token with operator.read
 * together with the device id in X-Clawdbot-Device-Id.
 */
export function metricsEndpoint(deps: MetricsEndpointDeps): PageHandler {
  return (req, res) => {
    if ((req.url ?? "/").split("?")[0] !== "/metrics") return false;
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" }).end("method not allowed\n");
      return true;
    }
    const denied = refusal(req, deps);
    if (denied) {
      res.writeHead(denied.status, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store", ...(denied.status === 401 ? { "www-authenticate": 'Bearer realm="clawdbot"' } : {}) });
      res.end(`${denied.message}\n`);
      return true;
    }
    deps.metrics.text().then(
      ({ contentType, body }) => {
        res.writeHead(200, { "content-type": contentType, "cache-control": "no-store" });
        res.end(req.method === "HEAD" ? undefined : body);
      },
      (err: unknown) => {
        deps.log.error({ err }, "metrics collection failed");
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
        res.end("metrics collection failed\n");
      },
    );
    return true;
  };
}

function refusal(req: IncomingMessage, deps: MetricsEndpointDeps): { status: 401 | 403; message: string } | undefined {
  if (classifyPeer(req.socket.remoteAddress, req.headers, deps.proxies()).isLocal) return undefined;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "")?.[1];
  if (bearer === undefined) return { status: 401, message: "metrics need Authorization: Bearer <gateway token> (or a device token with operator.read and X-Clawdbot-Device-Id)" };
  if (deps.secretMatches(bearer)) return undefined;
  const deviceId = headerValue(req.headers[DEVICE_ID_HEADER]);
  const scopes = deviceId === undefined ? null : deps.deviceTokenScopes(deviceId, bearer);
  if (scopes === null) return { status: 401, message: "unauthorized: the bearer is neither the gateway secret nor a device token of the named device" };
  if (!scopeSatisfied(scopes, "operator.read")) return { status: 403, message: "forbidden: the device token lacks operator.read" };
  return undefined;
}

function headerValue(v: string | string[] | undefined): string | undefined {
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s === "" ? undefined : s;
}


import { DEFAULT_PORT, configuredGatewayUrl, readRunningGateway, resolveStatePaths } from "@clawdbot/sidecar/basics";
import { normalizeFingerprint } from "@clawdbot/protocol/client";
import { usageError } from "../failure.js";

/** Which gateway a command talks to, and how that was decided. */
export interface GatewayTarget {
  url: string;
  /** The certificate to pin: --tls-fingerprint, or the one the running gateway recorded for this URL. */
  tlsFingerprint?: string;
  source: "--url" | "CLAWDBOT_GATEWAY_URL" | "running gateway" | "gateway.port" | "default";
}

export interface LocateOptions {
  url?: string | undefined;
  tlsFingerprint?: string | undefined;
  env: Readonly<Record<string, string | undefined>>;
}

/**
 * --url, else CLAWDBOT_GATEWAY_URL, else the gateway running on this state dir (its instance record
 * names its port and TLS fingerprint), else the config's gateway.port, else ws://127.0.0.1:18789.
 */
export function locateGateway(o: LocateOptions): GatewayTarget {
  const { stateDir, configPath } = resolveStatePaths(o.env);
  const running = readRunningGateway(stateDir);
  const pin = (url: string) => o.tlsFingerprint ?? (running && sameUrl(running.websocketUrl, url) ? running.tlsFingerprint : undefined);
  const target = (url: string, source: GatewayTarget["source"]): GatewayTarget => {
    const fp = pin(url);
    return { url, source, ...(fp !== undefined ? { tlsFingerprint: fp } : {}) };
  };
  if (o.url !== undefined) return target(checkedUrl(o.url, "--url"), "--url");
  const fromEnv = o.env["CLAWDBOT_GATEWAY_URL"];
  if (fromEnv) return target(checkedUrl(fromEnv, "CLAWDBOT_GATEWAY_URL"), "CLAWDBOT_GATEWAY_URL");
  if (running) return target(running.websocketUrl, "running gateway");
  const configured = configuredGatewayUrl(configPath);
  if (configured) return target(configured, "gateway.port");
  return target(`ws://127.0.0.1:${DEFAULT_PORT}`, "default");
}

/** A gateway URL is ws:// or wss:// with a host; anything else is a usage error naming where it came from. */
export function checkedUrl(raw: string, source: string): string {
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (url && (url.protocol === "ws:" || url.protocol === "wss:") && url.hostname !== "") return raw;
  const hint = url && (url.protocol === "http:" || url.protocol === "https:") ? ` (the socket of ${url.host} is ${url.protocol === "https:" ? "wss" : "ws"}://${url.host})` : "";
  throw usageError(`${source} ${JSON.stringify(raw)} is not a gateway URL${hint}; use ws://host:port or wss://host:port, e.g. ws://127.0.0.1:${DEFAULT_PORT}`);
}

function sameUrl(a: string, b: string): boolean {
  try {
    const x = new URL(a);
    const y = new URL(b);
    return x.protocol === y.protocol && x.hostname === y.hostname && (x.port || "") === (y.port || "");
  } catch {
    return a === b;
  }
}

/** Hex with colons, upper-case (AB:CD:…), as the gateway prints it. */
export function displayFingerprint(fp: string): string {
  return (normalizeFingerprint(fp).match(/../g) ?? []).join(":").toUpperCase();
}

import { EVENT_NAMES, PROTOCOL_VERSION, type HelloOk } from "@clawdbot/protocol";
import { MAIN_SESSION_KEY } from "../channels/router.js";
import type { Caller } from "../methods/context.js";
import type { GatewayServices } from "../services.js";
import type { Authenticated } from "./handshake.js";

/** hello-ok.features.events: the same list for every connect. */
const EVENT_LIST: string[] = [...EVENT_NAMES];

/** What hello-ok is assembled from. */
export type HelloDeps = Pick<GatewayServices, "version" | "hostname" | "presence" | "health" | "stateEvents" | "now" | "startedAt" | "config">;

/** The hello-ok payload for a caller the handshake let in. */
export function buildHello(
  s: HelloDeps,
  caller: Caller,
  auth: Authenticated,
  methods: string[],
  canvasHostUrl: string | undefined,
): HelloOk {
  const hello: HelloOk = {
    type: "hello-ok",
    protocol: PROTOCOL_VERSION,
    server: { version: s.version, host: s.hostname, connId: caller.connId },
    features: { methods, events: EVENT_LIST },
    snapshot: {
      presence: s.presence.list(),
      health: s.health.snapshot(),
      stateVersion: s.stateEvents.stateVersion(),
      uptimeMs: s.now() - s.startedAt,
      configPath: s.config.paths.configPath,
      stateDir: s.config.paths.stateDir,
      sessionDefaults: { defaultAgentId: "main", mainKey: MAIN_SESSION_KEY, mainSessionKey: MAIN_SESSION_KEY },
    },
    policy: {
      maxPayload: s.config.maxPayload,
      maxBufferedBytes: s.config.maxBufferedBytes,
      tickIntervalMs: s.config.tickIntervalMs,
    },
  };
  if (auth.issued) hello.auth = auth.issued;
  if (canvasHostUrl) hello.canvasHostUrl = canvasHostUrl;
  return hello;
}

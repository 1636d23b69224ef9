import { changedPaths } from "./key-paths.js";
import type { ConfigFile } from "./schema.js";

/**
 * Keys the running gateway reads once (listener, auth, TLS, limits fixed per connection,
 * discovery): a change takes effect after a restart. Everything else is applied live — channels
 * too: the channel registry starts, stops or restarts the accounts whose settings changed.
 */
const RESTART_PREFIXES = [
  "gateway.port",
  "gateway.bind",
  "gateway.auth",
  "gateway.tls",
  "gateway.canvasPort",
  "gateway.tickIntervalMs",
  "gateway.handshakeTimeoutMs",
  "gateway.maxPayload",
  "gateway.maxBufferedBytes",
  "gateway.authRateLimit",
  "discovery",
];

/** True when a change at this dotted key path needs a restart. */
export function needsRestart(path: string): boolean {
  return RESTART_PREFIXES.some((p) => path === p || path.startsWith(`${p}.`));
}

/** What changing the config file from `prev` to `next` does: every changed key, split by when it applies. */
export interface ReloadPlan {
  changed: string[];
  live: string[];
  restart: string[];
}

export function planReload(prev: ConfigFile, next: ConfigFile): ReloadPlan {
  const changed = changedPaths(prev, next);
  return { changed, live: changed.filter((p) => !needsRestart(p)), restart: changed.filter(needsRestart) };
}

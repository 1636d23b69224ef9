import { join } from "node:path";
import { resolveStatePaths } from "@clawdbot/sidecar/config";
import { loadNodeConfig } from "./config.js";
import { CommandSet } from "./command-set.js";
import { GatewayPinStore } from "./gateway-pin.js";
import { NodeIdentityStore } from "./identity.js";
import { NodeHost, NODE_EXIT, type NodeLog } from "./host.js";
import type { PermissionProbe } from "../permissions/probe.js";

export interface RunNodeHostOptions {
  url: string | undefined;
  displayName: string | undefined;
  configPath: string | undefined;
  tlsFingerprint: string | undefined;
  token: string | undefined;
  password: string | undefined;
  version: string;
  platform: NodeJS.Platform;
  env: Readonly<Record<string, string | undefined>>;
  log: NodeLog;
  signal: AbortSignal;
  /** macOS privacy permissions; default: node-mac-permissions on darwin. */
  permissions?: PermissionProbe;
}

/** `<stateDir>/node/`: the node's identity, tokens, TLS pins and node.json. */
export function nodeDir(env: Readonly<Record<string, string | undefined>>): string {
  return join(resolveStatePaths(env).stateDir, "node");
}

/** Wires config, identity, pins and commands together and runs the node host until the signal. */
export async function runNodeHost(o: RunNodeHostOptions): Promise<number> {
  const dir = nodeDir(o.env);
  const config = await loadNodeConfig(o.configPath ?? join(dir, "node.json"));
  const url = o.url ?? config.gatewayUrl;
  if (!url) {
    o.log.error(`no gateway URL: pass --url ws://<host>:18789 or set gatewayUrl in ${o.configPath ?? join(dir, "node.json")}`);
    return NODE_EXIT.error;
  }
  if (!/^wss?:\/\//.test(url)) {
    o.log.error(`--url must be a ws:// or wss:// URL, not ${url}`);
    return NODE_EXIT.error;
  }
  let host: NodeHost | undefined;
  const commands = await CommandSet.detect({
    platform: o.platform,
    config,
    env: o.env,
    canvasHostUrl: () => host?.canvasHost,
    ...(o.permissions ? { permissions: o.permissions } : {}),
    policyPath: join(dir, "exec-approvals.json"),
  });
  for (const { command, reason } of commands.leftOut) o.log.warn(`not offering ${command}: ${reason}`);
  const pinPath = join(dir, "gateway-pin.json");
  host = new NodeHost({
    url,
    displayName: o.displayName ?? config.displayName,
    version: o.version,
    platform: o.platform,
    commands,
    identity: new NodeIdentityStore(dir),
    pins: new GatewayPinStore(pinPath),
    pinPath,
    tlsFingerprint: o.tlsFingerprint,
    token: o.token,
    password: o.password,
    canvasHostUrl: config.canvasHostUrl,
    log: o.log,
  });
  return host.run(o.signal);
}

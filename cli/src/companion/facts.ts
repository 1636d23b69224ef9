import { EVENTS, check, type Result } from "@clawdbot/protocol";
import type { GatewayClient } from "@clawdbot/protocol/client";
import type { ChannelSummary, NodeSummary, PendingPairing } from "@clawdbot/protocol/companion";

/** What the gateway told us on the last refresh. */
export interface GatewayFacts {
  version: string;
  /** Gateway start time on our clock (now − uptimeMs when asked). */
  startedAt: number;
  /** Where WebChat and the Control UI are served (http(s) form of the URL we connected to). */
  httpBase: string;
  pending: PendingPairing[];
  channels: ChannelSummary[];
  nodes: NodeSummary[];
}

/** Asks the gateway for everything the menu shows, in parallel. */
export async function fetchFacts(client: GatewayClient, url: string, now: number): Promise<GatewayFacts> {
  const [status, devices, nodePairs, channels, nodes] = await Promise.all([
    client.call("status"),
    client.call("device.pair.list"),
    client.call("node.pair.list"),
    client.call("channels.status"),
    client.call("node.list"),
  ]);
  return {
    version: status.version,
    startedAt: now - status.uptimeMs,
    httpBase: httpBase(url),
    pending: [...devices.pending.map(devicePending), ...nodePairs.pending.map(nodePending)].sort((a, b) => a.ts - b.ts),
    channels: channelSummaries(channels),
    nodes: nodes.nodes.map((n) => ({ nodeId: n.nodeId, name: n.displayName ?? n.nodeId.slice(0, 12), connected: n.connected, ...(n.platform ? { platform: n.platform } : {}) })),
  };
}

/** `ws://host:port` → `http://host:port` (wss → https). */
export function httpBase(url: string): string {
  const u = new URL(url);
  u.protocol = u.protocol === "wss:" ? "https:" : "http:";
  return `${u.protocol}//${u.host}`;
}

type DeviceRequest = Result<"device.pair.list">["pending"][number];
type NodeRequest = Result<"node.pair.list">["pending"][number];

function devicePending(r: DeviceRequest): PendingPairing {
  return {
    requestId: r.requestId,
    kind: "device",
    name: r.displayName ?? r.clientId ?? r.deviceId.slice(0, 12),
    scopes: r.scopes ?? [],
    commands: [],
    ts: r.ts,
    ...(r.clientId ? { clientId: r.clientId } : {}),
    ...(r.platform ? { platform: r.platform } : {}),
    ...(r.remoteIp ? { address: r.remoteIp } : {}),
    ...(r.role ? { role: r.role } : {}),
  };
}

function nodePending(r: NodeRequest): PendingPairing {
  return {
    requestId: r.requestId,
    kind: "node",
    name: r.displayName ?? r.nodeId.slice(0, 12),
    scopes: [],
    commands: r.commands ?? [],
    ts: r.ts,
    role: "node",
    ...(r.platform ? { platform: r.platform } : {}),
    ...(r.remoteIp ? { address: r.remoteIp } : {}),
  };
}

type ChannelsStatus = Result<"channels.status">;
type ChannelStatus = ChannelsStatus["channels"][string];
type AccountStatus = ChannelsStatus["channelAccounts"][string][number];

/**
 * One summary per account (`channelAccounts`), the account id named when a channel has several;
 * the channel's own line where the gateway reports no accounts. WhatsApp "needs re-link" when the
 * phone logged the session out.
 */
function channelSummaries(res: ChannelsStatus): ChannelSummary[] {
  const names = [...new Set([...Object.keys(res.channels), ...Object.keys(res.channelAccounts ?? {})])].sort((a, b) => a.localeCompare(b));
  return names.flatMap((name) => {
    const accounts = res.channelAccounts?.[name] ?? [];
    const st = res.channels[name];
    if (accounts.length === 0) return st ? [channelSummary(name, st)] : [];
    return accounts.map((a) => accountSummary(name, a, accounts.length > 1));
  });
}

/** What a summary is made of, from an account snapshot or a channel's own line. */
interface SummarySource {
  configured: boolean;
  running: boolean;
  connected: boolean;
  lastError: string | null;
  linked?: unknown;
  needsRelink?: unknown;
}

function accountSummary(name: string, a: AccountStatus, named: boolean): ChannelSummary {
  return summary(name, a, named ? a.accountId : undefined);
}

function channelSummary(name: string, st: ChannelStatus): ChannelSummary {
  return summary(name, st as ChannelStatus & SummarySource, st.accountId ?? undefined);
}

/** WhatsApp needs re-link when logged out on the phone (or never linked); only it links a device this way. */
function summary(name: string, src: SummarySource, accountId: string | undefined): ChannelSummary {
  const lastError = src.lastError ?? undefined;
  const relink = src.needsRelink === true || src.linked === false || /re-?link|logged out/i.test(lastError ?? "");
  return {
    name,
    configured: src.configured,
    running: src.running,
    connected: src.connected,
    needsRelink: name.startsWith("whatsapp") && relink,
    ...(accountId ? { accountId } : {}),
    ...(lastError ? { lastError } : {}),
  };
}

/** The pending request a `device.pair.requested` / `node.pair.requested` event carries, if well-formed. */
export function toPending(event: "device.pair.requested" | "node.pair.requested", payload: unknown): PendingPairing | undefined {
  if (event === "device.pair.requested") {
    const res = check(EVENTS["device.pair.requested"], payload);
    return res.ok ? devicePending(res.value) : undefined;
  }
  const res = check(EVENTS["node.pair.requested"], payload);
  return res.ok ? nodePending(res.value) : undefined;
}

import type {
  ChannelSummary,
  GatewaySummary,
  MenuItem,
  MenuModel,
  MenuSection,
  PendingPairing,
  PermissionState,
  ServiceSummary,
} from "@clawdbot/protocol/companion";
import type { GatewayFacts } from "./facts.js";

/** Everything the menu is drawn from. */
export interface MenuInput {
  gateway: Omit<GatewaySummary, "version" | "uptimeMs">;
  /** The last facts, only while connected. */
  facts: GatewayFacts | undefined;
  service: ServiceSummary;
  permissions: { applicable: boolean; items: PermissionState[] };
  notice: string | undefined;
  now: number;
}

/** Item ids the menu uses; `actions.ts` reads them back. */
export const ITEM = {
  approve: (p: Pick<PendingPairing, "kind" | "requestId">) => `pair.approve:${p.kind}:${p.requestId}`,
  reject: (p: Pick<PendingPairing, "kind" | "requestId">) => `pair.reject:${p.kind}:${p.requestId}`,
  openSettings: (name: string) => `permission.open:${name}`,
  whatsappLink: "whatsapp.link",
  openControl: "open.control",
  openWebchat: "open.webchat",
  copyUrl: "copy.url",
  quit: "quit",
} as const;

/** The whole menu model: facts plus the rows the shell draws, in order. */
export function buildMenu(i: MenuInput): MenuModel {
  const f = i.facts;
  const running = i.gateway.state === "running" && f !== undefined;
  // Uptime in whole minutes, so the model does not change on every refresh.
  const uptimeMs = running ? Math.max(0, Math.floor((i.now - f.startedAt) / 60_000) * 60_000) : undefined;
  const gateway: GatewaySummary = { ...i.gateway, ...(running ? { version: f.version, uptimeMs: uptimeMs! } : {}) };
  const pending = running ? f.pending : [];
  const channels = running ? f.channels : [];
  const nodes = running ? f.nodes : [];
  const sections: MenuSection[] = [
    section("status", undefined, [statusItem(gateway), ...(i.notice ? [info("notice", i.notice)] : [])]),
    section("pairing", "Pairing requests", pending.map(pendingItem)),
    section("channels", "Channels", channelItems(channels)),
    section("nodes", "Nodes", nodes.length === 0 ? [] : [nodesItem(nodes)]),
    section("service", "Gateway service", serviceItems(i.service)),
    section("permissions", "Permissions", i.permissions.applicable ? i.permissions.items.map(permissionItem) : []),
    section("open", undefined, [
      action(ITEM.openControl, "Open Control UI", running),
      action(ITEM.openWebchat, "Open WebChat", running),
      action(ITEM.copyUrl, "Copy Gateway URL", true, gateway.url),
    ]),
    section("app", undefined, [action(ITEM.quit, "Quit Clawdbot", true)]),
  ].filter((s) => s.items.length > 0);
  return {
    gateway,
    pending,
    channels,
    nodes,
    service: i.service,
    permissions: i.permissions,
    ...(i.notice ? { notice: i.notice } : {}),
    sections,
  };
}

function statusItem(g: GatewaySummary): MenuItem {
  const title =
    g.state === "running"
      ? `Gateway running${g.version ? ` — v${g.version}` : ""}${g.uptimeMs !== undefined ? `, up ${duration(g.uptimeMs)}` : ""}`
      : g.state === "stopped"
        ? "Gateway stopped"
        : g.state === "unreachable"
          ? "Gateway unreachable"
          : "Waiting for approval on the gateway";
  return { ...info("gateway.status", title, g.detail), symbol: SYMBOL[g.state] };
}

const SYMBOL: Record<GatewaySummary["state"], string> = {
  running: "checkmark.circle.fill",
  stopped: "stop.circle",
  unreachable: "exclamationmark.triangle",
  "pairing-required": "lock.circle",
};

function pendingItem(p: PendingPairing): MenuItem {
  const where = [p.platform, p.address].filter(Boolean).join(", ");
  const grants = p.kind === "device" ? `grants ${p.scopes.length > 0 ? p.scopes.join(", ") : "operator.read"}` : `node commands: ${p.commands.join(", ") || "none declared"}`;
  return {
    id: `pair:${p.kind}:${p.requestId}`,
    title: `${p.kind === "node" ? "Node" : "Device"} ${p.name}${where ? ` (${where})` : ""}`,
    detail: `${p.role ?? "operator"} · ${grants}`,
    enabled: true,
    symbol: p.kind === "node" ? "cpu" : "laptopcomputer",
    children: [
      { id: ITEM.approve(p), title: `Approve — ${grants}`, enabled: true },
      { id: ITEM.reject(p), title: "Reject", enabled: true },
    ],
  };
}

function channelItems(channels: ChannelSummary[]): MenuItem[] {
  const items = channels.map((c): MenuItem => {
    const state = c.needsRelink ? "needs re-link" : c.connected ? "connected" : c.lastError ? "down" : c.running ? "connecting" : c.configured ? "down" : "logged out";
    const title = `${channelLabel(c.name)}${c.accountId ? ` (${c.accountId})` : ""}: ${state}`;
    return { ...info(`channel:${c.name}${c.accountId ? `:${c.accountId}` : ""}`, title, c.lastError), symbol: c.connected ? "circle.fill" : "circle" };
  });
  if (channels.some((c) => c.name.startsWith("whatsapp"))) items.push(action(ITEM.whatsappLink, "Link WhatsApp…", true, "opens the Control UI's link page"));
  return items;
}

function nodesItem(nodes: GatewayFacts["nodes"]): MenuItem {
  const online = nodes.filter((n) => n.connected).length;
  return {
    ...info("nodes.summary", `${online} of ${nodes.length} node${nodes.length === 1 ? "" : "s"} online`),
    enabled: true,
    children: nodes.map((n) => ({ id: `node:${n.nodeId}`, title: `${n.name}${n.platform ? ` (${n.platform})` : ""} — ${n.connected ? "online" : "offline"}`, enabled: false, checked: n.connected })),
  };
}

function serviceItems(s: ServiceSummary): MenuItem[] {
  const who = s.supervisor ?? "service";
  const state = s.installed ? `${who}: ${s.state}${s.pid !== undefined ? ` (pid ${s.pid})` : ""}` : `not installed${s.supervisor ? "" : ` — ${s.state}`}`;
  const items = [info("service.state", state)];
  if (!s.supervisor) return items;
  if (!s.installed) return [...items, action("service.install", "Install Service (start at login)", true)];
  return [
    ...items,
    action("service.start", "Start Gateway", !s.running),
    action("service.stop", "Stop Gateway", s.running),
    action("service.restart", "Restart Gateway", s.loaded),
  ];
}

function permissionItem(p: PermissionState): MenuItem {
  const needed = p.neededFor.length > 0 ? ` (needed for ${p.neededFor.join(", ")})` : "";
  if (p.status === "granted") return { ...info(`permission:${p.name}`, `${p.label}: granted`), checked: true };
  return action(ITEM.openSettings(p.name), `${p.label}: ${p.status.replace("-", " ")} — Open System Settings…`, true, `grant ${p.label}${needed}`);
}

function section(id: string, title: string | undefined, items: MenuItem[]): MenuSection {
  return title === undefined ? { id, items } : { id, title, items };
}

function info(id: string, title: string, detail?: string): MenuItem {
  return detail ? { id, title, detail, enabled: false } : { id, title, enabled: false };
}

function action(id: string, title: string, enabled: boolean, detail?: string): MenuItem {
  return detail ? { id, title, detail, enabled } : { id, title, enabled };
}

const LABELS: Record<string, string> = { whatsapp: "WhatsApp", imessage: "iMessage", webchat: "WebChat" };

/** `telegram` → `Telegram`, `whatsapp` → `WhatsApp`. */
export function channelLabel(name: string): string {
  return LABELS[name] ?? name.charAt(0).toUpperCase() + name.slice(1);
}

/** 4 min, 3 h 12 min, 2 d 4 h. */
export function duration(ms: number): string {
  const min = Math.floor(ms / 60_000);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return `${h} h ${min % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

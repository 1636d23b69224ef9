import type { Result } from "@clawdbot/protocol";

type NodeInfo = Result<"node.describe">;

/** Human form of one node. */
export function formatNodeInfo(n: NodeInfo): string {
  const lines = [
    `${n.displayName ?? "(unnamed)"}  ${n.nodeId}`,
    `  ${n.connected ? "connected" : "not connected"}${n.platform ? `, ${n.platform}` : ""}${n.version ? ` ${n.version}` : ""}${n.remoteIp ? `, from ${n.remoteIp}` : ""}`,
    `  caps: ${n.caps.join(", ") || "-"}`,
    `  commands: ${n.commands.join(", ") || "-"}`,
  ];
  const refused = n.declaredCommands.filter((c) => !n.commands.includes(c));
  if (refused.length > 0) lines.push(`  declared but not allowed by the gateway: ${refused.join(", ")}`);
  const perms = Object.entries(n.permissions);
  if (perms.length > 0) lines.push(`  permissions: ${perms.map(([k, v]) => `${k}=${v ? "yes" : "no"}`).join(", ")}`);
  return lines.join("\n");
}

/** Human form of a command's payload: strings as they are, anything else as indented JSON. */
export function formatPayload(payload: unknown): string {
  if (payload === undefined) return "ok";
  return typeof payload === "string" ? payload : JSON.stringify(payload, null, 2);
}

/** One row of `nodes list`: a node the gateway knows of, through its connection or through node pairing. */
export interface NodeRow {
  nodeId: string;
  displayName?: string;
  platform?: string;
  connected: boolean;
  /** Approved through node pairing (node.pair.*). */
  paired: boolean;
  caps: string[];
  lastSeenAtMs?: number;
}

/** Connected and remembered nodes (node.list) together with node-paired ones (node.pair.list), one row per id. */
export function mergeNodes(known: readonly Result<"node.list">["nodes"][number][], paired: readonly Result<"node.pair.list">["paired"][number][]): NodeRow[] {
  const rows = new Map<string, NodeRow>();
  for (const n of known) {
    rows.set(n.nodeId, {
      nodeId: n.nodeId,
      ...(n.displayName ? { displayName: n.displayName } : {}),
      ...(n.platform ? { platform: n.platform } : {}),
      connected: n.connected,
      paired: false,
      caps: n.caps,
      ...(n.lastSeenAtMs !== undefined ? { lastSeenAtMs: n.lastSeenAtMs } : {}),
    });
  }
  for (const p of paired) {
    const row = rows.get(p.nodeId);
    if (row) row.paired = true;
    else
      rows.set(p.nodeId, {
        nodeId: p.nodeId,
        ...(p.displayName ? { displayName: p.displayName } : {}),
        ...(p.platform ? { platform: p.platform } : {}),
        connected: false,
        paired: true,
        caps: p.caps ?? [],
      });
  }
  return [...rows.values()].sort((a, b) => Number(b.connected) - Number(a.connected) || (b.lastSeenAtMs ?? 0) - (a.lastSeenAtMs ?? 0));
}

/** Human form of `nodes list`: an aligned table, or a line saying there are none. */
export function formatNodeRows(rows: readonly NodeRow[]): string {
  if (rows.length === 0) return "no nodes yet (start one with `clawdbot node run --url <gateway>`)";
  const table = [
    ["ID", "NAME", "PLATFORM", "STATE", "CAPS"],
    ...rows.map((r) => [
      `${r.nodeId.slice(0, 12)}…`,
      r.displayName ?? "-",
      r.platform ?? "?",
      [r.connected ? "connected" : "offline", ...(r.paired ? ["paired"] : [])].join(", "),
      r.caps.join(",") || "-",
    ]),
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  return table.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ")).join("\n");
}

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

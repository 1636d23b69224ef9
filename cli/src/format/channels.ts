import type { Result } from "@clawdbot/protocol";

type Status = Result<"channels.status">;
type Snapshot = Status["channelAccounts"][string][number];

/** Human form of `channels.status`: one line per account, then why messages were dropped. */
export function formatChannelsStatus(st: Status): string {
  if (st.channelOrder.length === 0) return "no channels configured (add one under channels in clawdbot.json)";
  const lines: string[] = [];
  for (const id of st.channelOrder) {
    const label = st.channelLabels[id] ?? id;
    const accounts = st.channelAccounts[id] ?? [];
    const def = st.channelDefaultAccountId[id];
    const restarts = st.channels[id]?.restarts ?? 0;
    for (const a of accounts) {
      const who = accounts.length > 1 || a.accountId !== "default" ? ` [${a.accountId}${a.accountId === def ? ", default" : ""}]` : "";
      lines.push(`${label}${who}${a.name ? ` (${a.name})` : ""}: ${stateOf(a)}${details(a)}, ${a.queued} queued, ${restarts} restarts${a.lastError ? `, last error: ${a.lastError}` : ""}`);
      const drops = Object.entries(a.dropped).filter(([, n]) => typeof n === "number" && n > 0);
      if (drops.length > 0) lines.push(`  dropped: ${drops.map(([why, n]) => `${why.replace(/_/g, " ")} ${String(n)}`).join(", ")}`);
      if (a.program) lines.push(`  ${programLine(a.program)}`);
      if (a.probe !== undefined) lines.push(`  probe: ${JSON.stringify(a.probe)}`);
    }
  }
  return lines.join("\n");
}

function stateOf(a: Snapshot): string {
  if (!a.configured) return "logged out";
  if (a.linked === false) return "not linked";
  if (a.connected) return "connected";
  return a.running ? "running, not receiving" : "stopped";
}

function details(a: Snapshot): string {
  const parts: string[] = [];
  if (a.lastInboundAt) parts.push(`last message ${new Date(a.lastInboundAt).toISOString()}`);
  if (a.lastOutboundAt) parts.push(`last sent ${new Date(a.lastOutboundAt).toISOString()}`);
  return parts.length > 0 ? `, ${parts.join(", ")}` : "";
}

/** The supervised program (signal-cli, imsg): what runs, how often it was restarted, its last words. */
function programLine(p: NonNullable<Snapshot["program"]>): string {
  const parts = [`${p.name} ${p.state}${p.pid !== null ? ` (pid ${p.pid})` : ""}`, `${p.restarts} restart${p.restarts === 1 ? "" : "s"}`];
  if (p.lastError) parts.push(`error: ${p.lastError}`);
  if (p.lastStderr) parts.push(`last stderr: ${p.lastStderr}`);
  return `program: ${parts.join(", ")}`;
}

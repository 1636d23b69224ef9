import type { Result } from "@clawdbot/protocol";
import { ago } from "./time.js";

type Row = Result<"sessions.list">["sessions"][number];
type Message = Result<"chat.history">["messages"][number];

/** One line per session: key, label, messages, last activity, model, last message. */
export function formatSessions(res: Result<"sessions.list">, now = Date.now()): string {
  if (res.sessions.length === 0) return "no sessions";
  return res.sessions.map((r) => formatRow(r, now)).join("\n");
}

function formatRow(r: Row, now: number): string {
  const label = r.label ? ` "${r.label}"` : "";
  const who = r.displayName && r.displayName !== r.key ? ` (${r.displayName})` : "";
  const active = r.active ? "  [running]" : "";
  const head = `${r.key}${label}${who}  ${r.messageCount} msg  ${r.updatedAt === null ? "no messages" : ago(r.updatedAt, now)}  ${r.model ?? r.modelProvider}${active}`;
  return r.lastMessagePreview ? `${head}\n    ${r.lastMessage?.role ?? ""}: ${oneLine(r.lastMessagePreview)}` : head;
}

/** A session's settings and its transcript. */
export function formatSession(row: Row, messages: Message[], now = Date.now()): string {
  const settings = [
    row.label ? `label "${row.label}"` : "",
    `model ${row.model ?? row.modelProvider}`,
    row.thinkingLevel ? `thinking ${row.thinkingLevel}` : "",
    row.sendPolicy ? `send ${row.sendPolicy}` : "",
  ].filter(Boolean);
  const lines = [`${row.key}  (session ${row.sessionId})`, `  ${row.messageCount} messages, last ${row.updatedAt === null ? "never" : ago(row.updatedAt, now)}; ${settings.join(", ")}`];
  if (messages.length > 0) lines.push("");
  for (const m of messages) lines.push(`${m.role}: ${m.content.map((c) => c.text).join("")}`);
  return lines.join("\n");
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

import { parseLogLine, type LogLine } from "@clawdbot/sidecar/logging";

const SHOWN = new Set(["time", "level", "subsystem", "message", "component", "channel", "msg"]);

/** One log line for a person: `12:04:05.123 WARN  canvas: message key=value …`; not-JSON lines as they are. */
export function formatLogLine(line: LogLine | string): string {
  if (typeof line === "string") return line;
  const time = /T(\d\d:\d\d:\d\d(?:\.\d+)?)/.exec(line.time)?.[1] ?? line.time;
  const extra = Object.entries(line)
    .filter(([k]) => !SHOWN.has(k))
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" ");
  return `${time} ${line.level.toUpperCase().padEnd(5)} ${line.subsystem}: ${line.message}${extra ? ` ${extra}` : ""}`;
}

export { parseLogLine, type LogLine };

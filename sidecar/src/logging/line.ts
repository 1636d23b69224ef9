/**
 * One log line as the gateway writes it (stdout, the log file, logs.tail): a JSON object with
 * `time` (ISO 8601), `level` (name), `subsystem`, `message`, then the context fields.
 */
export interface LogLine {
  time: string;
  level: LevelName;
  subsystem: string;
  message: string;
  [field: string]: unknown;
}

export const LEVELS = ["trace", "debug", "info", "warn", "error", "fatal"] as const;
export type LevelName = (typeof LEVELS)[number];

const PINO_LEVELS: Readonly<Record<number, LevelName>> = { 10: "trace", 20: "debug", 30: "info", 40: "warn", 50: "error", 60: "fatal" };

/** The subsystem a child logger belongs to, from its bindings ({component}, {channel}, {subsystem}). */
export function subsystemOf(bindings: Readonly<Record<string, unknown>>): string {
  if (typeof bindings["subsystem"] === "string") return bindings["subsystem"];
  if (typeof bindings["component"] === "string") return bindings["component"];
  if (typeof bindings["channel"] === "string") return `channels/${bindings["channel"]}`;
  return "gateway";
}

/**
 * Reads a line back, also in the older pino shape (numeric level, epoch time, `msg`) that a journal
 * or an old log file may still hold. Undefined for a line that is not a JSON object.
 */
export function parseLogLine(text: string): LogLine | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return undefined;
  const o = raw as Record<string, unknown>;
  const level = typeof o["level"] === "number" ? (PINO_LEVELS[o["level"]] ?? "info") : LEVELS.includes(o["level"] as LevelName) ? (o["level"] as LevelName) : "info";
  const time = typeof o["time"] === "number" ? new Date(o["time"]).toISOString() : typeof o["time"] === "string" ? o["time"] : "";
  const message = typeof o["message"] === "string" ? o["message"] : typeof o["msg"] === "string" ? o["msg"] : "";
  return { ...o, time, level, subsystem: typeof o["subsystem"] === "string" ? o["subsystem"] : subsystemOf(o), message };
}

/** True when `level` is at least `floor` (warn ≥ info). */
export function atLeast(level: LevelName, floor: LevelName): boolean {
  return LEVELS.indexOf(level) >= LEVELS.indexOf(floor);
}

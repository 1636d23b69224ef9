import bolt from "@slack/bolt";
import type { Logger } from "pino";

type BoltLogger = bolt.Logger;

/**
 * Bolt's and the Socket Mode client's logging, into the channel's logger. Their "error" lines
 * include ordinary disconnects, so they come in as warnings; what the channel decides is logged
 * by the channel itself.
 */
export function boltLogger(log: Logger): BoltLogger {
  let level = bolt.LogLevel.INFO;
  const line = (msg: unknown[]) => msg.map((m) => (m instanceof Error ? m.message : typeof m === "string" ? m : JSON.stringify(m))).join(" ");
  return {
    debug: (...msg) => log.debug(line(msg)),
    info: (...msg) => log.debug(line(msg)),
    warn: (...msg) => log.warn(line(msg)),
    error: (...msg) => log.warn(line(msg)),
    setLevel: (l) => (level = l),
    getLevel: () => level,
    setName: () => undefined,
  };
}

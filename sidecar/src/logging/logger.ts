import { createRequire } from "node:module";
import { pino, destination, multistream, stdTimeFunctions, type Logger, type DestinationStream } from "pino";
import type { LogRing } from "./log-ring.js";
import { subsystemOf } from "./line.js";

export type { Logger };

export interface LoggerOptions {
  level: string;
  /** Human-readable output (a TTY); JSON lines otherwise. */
  pretty: boolean;
  ring?: LogRing;
  destination?: DestinationStream;
  /** The log file (logging.file), written with the same JSON lines. */
  file?: DestinationStream;
}

/**
 * The gateway logger: stdout (pretty on a TTY, JSON lines otherwise), the in-memory ring for
 * logs.tail and the log file. Every line is `{time, level, subsystem, message, …context}`.
 */
export function createLogger(opts: LoggerOptions): Logger {
  const out: DestinationStream =
    opts.destination ?? (opts.pretty ? prettyStream() : destination({ fd: 1, sync: true }));
  const streams: { stream: DestinationStream; level: string }[] = [{ stream: out, level: opts.level }];
  if (opts.ring) streams.push({ stream: opts.ring.stream(), level: opts.level });
  if (opts.file) streams.push({ stream: opts.file, level: opts.level });
  return pino(
    {
      level: opts.level,
      base: null,
      messageKey: "message",
      timestamp: stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: (_obj, _level, logger) => ({ subsystem: subsystemOf(logger.bindings()) }),
    },
    multistream(streams),
  );
}

/** pino-pretty only on a terminal: a daemon writing JSON lines never loads it. */
function prettyStream(): DestinationStream {
  const require = createRequire(import.meta.url);
  const pretty = require("pino-pretty") as typeof import("pino-pretty");
  return pretty({ colorize: true, sync: true, messageKey: "message", messageFormat: "[{subsystem}] {message}", ignore: "subsystem,component,channel" });
}

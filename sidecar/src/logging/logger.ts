import { createRequire } from "node:module";
import { pino, destination, multistream, type Logger, type DestinationStream } from "pino";
import type { LogRing } from "./log-ring.js";

export type { Logger };

export interface LoggerOptions {
  level: string;
  /** Human-readable output (a TTY); JSON lines otherwise. */
  pretty: boolean;
  ring?: LogRing;
  destination?: DestinationStream;
}

/** The gateway logger: stdout (pretty on a TTY, JSON lines otherwise) plus the in-memory ring for logs.tail. */
export function createLogger(opts: LoggerOptions): Logger {
  const out: DestinationStream =
    opts.destination ?? (opts.pretty ? prettyStream() : destination({ fd: 1, sync: true }));
  const streams: { stream: DestinationStream; level: string }[] = [{ stream: out, level: opts.level }];
  if (opts.ring) streams.push({ stream: opts.ring.stream(), level: opts.level });
  return pino({ level: opts.level, base: { svc: "gateway" } }, multistream(streams));
}

/** pino-pretty only on a terminal: a daemon writing JSON lines never loads it. */
function prettyStream(): DestinationStream {
  const require = createRequire(import.meta.url);
  const pretty = require("pino-pretty") as typeof import("pino-pretty");
  return pretty({ colorize: true, sync: true });
}

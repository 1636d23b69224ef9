import { pino, destination, multistream, type Logger, type DestinationStream } from "pino";
import pretty from "pino-pretty";
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
    opts.destination ?? (opts.pretty ? pretty({ colorize: true, sync: true }) : destination({ fd: 1, sync: true }));
  const streams: { stream: DestinationStream; level: string }[] = [{ stream: out, level: opts.level }];
  if (opts.ring) streams.push({ stream: opts.ring.stream(), level: opts.level });
  return pino({ level: opts.level, base: { svc: "gateway" } }, multistream(streams));
}

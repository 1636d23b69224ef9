export { parseLogLine, atLeast, subsystemOf, LEVELS, type LevelName, type LogLine } from "./line.js";
export { createLogger, type Logger, type LoggerOptions } from "./logger.js";
export { LogRing, IN_MEMORY } from "./log-ring.js";
export { LogFile, type LogFileOptions } from "./log-file.js";

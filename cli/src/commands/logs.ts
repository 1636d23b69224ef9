import { Flags } from "@oclif/core";
import { existsSync } from "node:fs";
import { loadConfigFile, logFileOf, resolveStatePaths } from "@clawdbot/sidecar/config";
import { readInstanceRecord } from "@clawdbot/sidecar/instance";
import { atLeast, LEVELS, type LevelName } from "@clawdbot/sidecar/logging";
import { ClawdbotCommand, CliError, usageError } from "../command.js";
import { currentHost, supportedPlatform } from "../daemon/index.js";
import { commandLines, followFile, lastLines, serviceLogSource, type LogSource } from "../logs/source.js";
import { formatLogLine, parseLogLine, type LogLine } from "../logs/format.js";
import { onInterrupt } from "../terminal/interrupt.js";

export default class Logs extends ClawdbotCommand {
  static override summary = "Show the gateway's log: its log file, or the service's journal / launchd log when the file is off.";
  static override description = [
    "Reads the log file the running gateway writes (logging.file; on by default when installed with `clawdbot daemon install`,",
    "at <stateDir>/logs/gateway.log), else the file the config names, else the journal (Linux) or ~/Library/Logs/clawdbot (macOS).",
    "Lines are shown as `time LEVEL subsystem: message key=value`; --json prints the parsed lines.",
  ].join("\n");
  static override examples = ["<%= config.bin %> logs", "<%= config.bin %> logs -f --level warn", "<%= config.bin %> logs -n 50 --json"];
  static override flags = {
    lines: Flags.integer({ char: "n", description: "how many recent lines", default: 200, min: 1 }),
    follow: Flags.boolean({ char: "f", description: "keep printing new lines until Ctrl-C", default: false }),
    level: Flags.string({ description: "only lines at this level or above", options: [...LEVELS] }),
    file: Flags.string({ description: "read this log file instead" }),
  };

  async run(): Promise<LogLine[]> {
    const { flags } = await this.parse(Logs);
    const json = this.jsonEnabled();
    if (flags.follow && json) throw usageError("--follow streams text; it cannot be combined with --json");
    const floor = flags.level as LevelName | undefined;
    const shown: LogLine[] = [];
    const take = (text: string) => {
      const parsed = parseLogLine(text);
      if (floor && (!parsed || !atLeast(parsed.level, floor))) return;
      if (json) {
        if (parsed) shown.push(parsed);
        return;
      }
      process.stdout.write(`${formatLogLine(parsed ?? text)}\n`);
    };
    const source = flags.file ? ({ kind: "file", path: flags.file } as const) : await this.source(flags.lines, flags.follow);
    const interrupt = onInterrupt();
    const stop = new AbortController();
    void interrupt.signalled.then(() => stop.abort());
    try {
      if (source.kind === "file") {
        if (!existsSync(source.path)) throw new CliError("error", `no log file at ${source.path} yet (the gateway creates it when it starts with logging.file on)`);
        const { lines, end } = await lastLines(source.path, flags.lines);
        for (const l of lines) take(l);
        if (flags.follow) await followFile(source.path, end, take, stop.signal);
      } else {
        const { code, stderr } = await commandLines(source.argv, take, stop.signal);
        if (code !== 0 && !stop.signal.aborted) {
          throw new CliError("command-failed", `reading ${source.describe} failed: \`${source.argv.join(" ")}\` exited ${code}${stderr.trim() ? `: ${stderr.trim().split("\n")[0]}` : ""}; is logging.file off and the gateway not installed as a service?`);
        }
      }
    } finally {
      interrupt.dispose();
    }
    return shown;
  }

  /** The running gateway's log file, else the configured one, else the service manager's log. */
  private async source(lines: number, follow: boolean): Promise<LogSource> {
    const paths = resolveStatePaths(process.env);
    const running = readInstanceRecord(paths.stateDir);
    if (running?.logFile) return { kind: "file", path: running.logFile };
    const file = await loadConfigFile(paths.configPath);
    const configured = logFileOf(file.file, paths.stateDir, process.env);
    if (configured && existsSync(configured.path)) return { kind: "file", path: configured.path };
    const host = currentHost(process.env, supportedPlatform(process.platform));
    return serviceLogSource(host, lines, follow);
  }
}

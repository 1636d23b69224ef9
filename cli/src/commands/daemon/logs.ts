import { Flags } from "@oclif/core";
import type { DaemonResult } from "../../daemon/actions.js";
import { DaemonCommand, daemonFlags } from "../../daemon/command.js";

export default class DaemonLogs extends DaemonCommand {
  static override summary = "Show the gateway service's recent log lines (macOS: ~/Library/Logs/clawdbot/, Linux: the journal).";
  static override examples = ["<%= config.bin %> daemon logs", "<%= config.bin %> daemon logs --follow", "<%= config.bin %> daemon logs -n 50 --json"];
  static override flags = {
    ...daemonFlags,
    lines: Flags.integer({ char: "n", description: "how many recent lines", default: 200, min: 1 }),
    follow: Flags.boolean({ char: "f", description: "keep printing new lines until Ctrl-C", default: false }),
  };

  async run(): Promise<DaemonResult> {
    const { flags } = await this.parse(DaemonLogs);
    if (flags.follow && this.jsonEnabled() && !flags["dry-run"]) this.failWith("usage", "--follow streams text; it cannot be combined with --json");
    return this.daemon("logs", flags, { logs: { lines: flags.lines, follow: flags.follow } });
  }
}

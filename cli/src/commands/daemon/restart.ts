import type { DaemonResult } from "../../daemon/actions.js";
import { DaemonCommand, daemonFlags } from "../../daemon/command.js";

export default class DaemonRestart extends DaemonCommand {
  static override summary = "Restart the gateway service; connected clients are told to expect it back.";
  static override examples = ["<%= config.bin %> daemon restart", "<%= config.bin %> daemon restart --dry-run"];
  static override flags = { ...daemonFlags };

  async run(): Promise<DaemonResult> {
    const { flags } = await this.parse(DaemonRestart);
    return this.daemon("restart", flags);
  }
}

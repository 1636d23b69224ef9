import type { DaemonResult } from "../../daemon/actions.js";
import { DaemonCommand, daemonFlags } from "../../daemon/command.js";

export default class DaemonStatus extends DaemonCommand {
  static override summary = "Show whether the gateway service is loaded and running (launchctl print / systemctl --user status).";
  static override examples = ["<%= config.bin %> daemon status", "<%= config.bin %> daemon status --dry-run"];
  static override flags = { ...daemonFlags };

  async run(): Promise<DaemonResult> {
    const { flags } = await this.parse(DaemonStatus);
    return this.daemon("status", flags);
  }
}

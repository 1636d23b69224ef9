import type { DaemonResult } from "../../daemon/actions.js";
import { DaemonCommand, daemonFlags } from "../../daemon/command.js";

export default class DaemonUninstall extends DaemonCommand {
  static override summary = "Stop the gateway service and remove its service file and token file.";
  static override examples = ["<%= config.bin %> daemon uninstall", "<%= config.bin %> daemon uninstall --dry-run"];
  static override flags = { ...daemonFlags };

  async run(): Promise<DaemonResult> {
    const { flags } = await this.parse(DaemonUninstall);
    return this.daemon("uninstall", flags);
  }
}

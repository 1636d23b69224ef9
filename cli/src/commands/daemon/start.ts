import type { DaemonResult } from "../../daemon/actions.js";
import { DaemonCommand, daemonFlags } from "../../daemon/command.js";

export default class DaemonStart extends DaemonCommand {
  static override summary = "Start the installed gateway service.";
  static override examples = ["<%= config.bin %> daemon start", "<%= config.bin %> daemon start --dry-run"];
  static override flags = { ...daemonFlags };

  async run(): Promise<DaemonResult> {
    const { flags } = await this.parse(DaemonStart);
    return this.daemon("start", flags);
  }
}

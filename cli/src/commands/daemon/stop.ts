import type { DaemonResult } from "../../daemon/actions.js";
import { DaemonCommand, daemonFlags } from "../../daemon/command.js";

export default class DaemonStop extends DaemonCommand {
  static override summary = "Stop the gateway service (it starts again at next login or boot).";
  static override examples = ["<%= config.bin %> daemon stop", "<%= config.bin %> daemon stop --dry-run"];
  static override flags = { ...daemonFlags };

  async run(): Promise<DaemonResult> {
    const { flags } = await this.parse(DaemonStop);
    return this.daemon("stop", flags);
  }
}

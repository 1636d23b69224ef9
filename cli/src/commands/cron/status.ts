import type { Result } from "@clawdbot/protocol";
import { GatewayCommand } from "../../gateway-command.js";
import { connectionFlags } from "../../gateway-link/flags.js";
import { formatCronStatus } from "../../format/cron.js";

export default class CronStatus extends GatewayCommand {
  static override summary = "Whether the scheduler runs, when it next wakes, how many jobs it has.";
  static override examples = ["<%= config.bin %> cron status"];
  static override flags = { ...connectionFlags };

  async run(): Promise<Result<"cron.status">> {
    const { flags } = await this.parse(CronStatus);
    const res = await this.withGateway(flags, (c) => c.call("cron.status"));
    this.log(formatCronStatus(res));
    return res;
  }
}

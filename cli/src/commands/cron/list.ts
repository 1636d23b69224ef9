import { Flags } from "@oclif/core";
import type { Result } from "@clawdbot/protocol";
import { GatewayCommand } from "../../gateway-command.js";
import { connectionFlags } from "../../gateway-link/flags.js";
import { formatJobs } from "../../format/cron.js";

export default class CronList extends GatewayCommand {
  static override summary = "Scheduled jobs, soonest first.";
  static override examples = ["<%= config.bin %> cron list", "<%= config.bin %> cron list --all --json"];
  static override flags = { ...connectionFlags, all: Flags.boolean({ description: "include disabled jobs" }) };

  async run(): Promise<Result<"cron.list">> {
    const { flags } = await this.parse(CronList);
    const res = await this.withGateway(flags, (c) => c.call("cron.list", { includeDisabled: flags.all }));
    this.log(formatJobs(res.jobs));
    return res;
  }
}

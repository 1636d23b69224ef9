import { Args, Flags } from "@oclif/core";
import type { Result } from "@clawdbot/protocol";
import { GatewayCommand } from "../../gateway-command.js";
import { connectionFlags } from "../../gateway-link/flags.js";
import { formatRuns } from "../../format/cron.js";

export default class CronRuns extends GatewayCommand {
  static override summary = "A job's run history, oldest first: status, lateness, delivery.";
  static override examples = ["<%= config.bin %> cron runs 1b2c3d4e-… --limit 20"];
  static override args = { id: Args.string({ required: true, description: "job id" }) };
  static override flags = { ...connectionFlags, limit: Flags.integer({ description: "the last N runs", default: 20, min: 1 }) };

  async run(): Promise<Result<"cron.runs">> {
    const { args, flags } = await this.parse(CronRuns);
    const res = await this.withGateway(flags, (c) => c.call("cron.runs", { id: args.id, limit: flags.limit }));
    this.log(formatRuns(res.entries));
    return res;
  }
}

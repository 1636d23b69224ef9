import { Args } from "@oclif/core";
import type { Result } from "@clawdbot/protocol";
import { GatewayCommand } from "../../gateway-command.js";
import { connectionFlags } from "../../gateway-link/flags.js";

export default class CronRm extends GatewayCommand {
  static override summary = "Remove a job (its run history stays readable with `cron runs`).";
  static override examples = ["<%= config.bin %> cron rm 1b2c3d4e-…"];
  static override args = { id: Args.string({ required: true, description: "job id" }) };
  static override flags = { ...connectionFlags };

  async run(): Promise<Result<"cron.remove">> {
    const { args, flags } = await this.parse(CronRm);
    const res = await this.withGateway(flags, (c) => c.call("cron.remove", { id: args.id }));
    this.log(res.removed ? `removed ${args.id}` : `no job ${args.id}; nothing removed`);
    return res;
  }
}

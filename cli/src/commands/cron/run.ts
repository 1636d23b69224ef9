import { Args, Flags } from "@oclif/core";
import type { Result } from "@clawdbot/protocol";
import { GatewayCommand } from "../../gateway-command.js";
import { connectionFlags } from "../../gateway-link/flags.js";
import { formatRuns } from "../../format/cron.js";

export default class CronRun extends GatewayCommand {
  static override summary = "Run a job now and wait for it to finish (with --due: only if it is due).";
  static override examples = ["<%= config.bin %> cron run 1b2c3d4e-…", "<%= config.bin %> cron run 1b2c3d4e-… --due --timeout 120000"];
  static override args = { id: Args.string({ required: true, description: "job id" }) };
  static override flags = { ...connectionFlags, due: Flags.boolean({ description: "run only if the job is due now" }) };

  async run(): Promise<Result<"cron.run">> {
    const { args, flags } = await this.parse(CronRun);
    const res = await this.withGateway(flags, (c) => c.call("cron.run", { id: args.id, mode: flags.due ? "due" : "force" }));
    this.log(res.ran && res.entry ? formatRuns([res.entry]) : `not run: ${res.reason ?? "?"}`);
    return res;
  }
}

import { Args, Flags } from "@oclif/core";
import type { CronJob } from "@clawdbot/protocol";
import { GatewayCommand } from "../../gateway-command.js";
import { connectionFlags } from "../../gateway-link/flags.js";
import { EXIT } from "../../gateway-link/exit-codes.js";
import { JobFlagError, editPatch, jobFlags } from "../../cron/job-flags.js";
import { formatJob } from "../../format/cron.js";

export default class CronEdit extends GatewayCommand {
  static override summary = "Change a job: its schedule, message, delivery, or switch it on or off.";
  static override examples = ["<%= config.bin %> cron edit 1b2c… --every 4h", "<%= config.bin %> cron edit 1b2c… --disable", '<%= config.bin %> cron edit 1b2c… --message "Shorter summary, please"'];
  static override args = { id: Args.string({ required: true, description: "job id (see `cron list`)" }) };
  static override flags = {
    ...connectionFlags,
    ...jobFlags,
    enable: Flags.boolean({ description: "switch the job on", exclusive: ["disable"] }),
    disable: Flags.boolean({ description: "switch the job off (its history stays)", exclusive: ["enable"] }),
  };

  async run(): Promise<CronJob> {
    const { args, flags } = await this.parse(CronEdit);
    const job = await this.withGateway(flags, async (c) => {
      const current = (await c.call("cron.list", { includeDisabled: true })).jobs.find((j) => j.id === args.id);
      if (!current) return undefined;
      let patch;
      try {
        patch = { ...editPatch(flags, current.payload), ...(flags.enable ? { enabled: true } : flags.disable ? { enabled: false } : {}) };
      } catch (err) {
        if (err instanceof JobFlagError) return this.failWith("usage", err.message, EXIT.usage);
        throw err;
      }
      if (Object.keys(patch).length === 0) return this.failWith("usage", "nothing to change: pass a flag (see --help)", EXIT.usage);
      return c.call("cron.update", { id: args.id, patch });
    });
    if (!job) return this.failWith("NOT_FOUND", `no cron job ${args.id}; see \`clawdbot cron list --all\``, EXIT.requestFailed);
    this.log(`updated\n${formatJob(job)}`);
    return job;
  }
}

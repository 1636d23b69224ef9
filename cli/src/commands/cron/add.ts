import type { CronJob } from "@clawdbot/protocol";
import { GatewayCommand } from "../../gateway-command.js";
import { connectionFlags } from "../../gateway-link/flags.js";
import { EXIT } from "../../gateway-link/exit-codes.js";
import { JobFlagError, addParams, jobFlags } from "../../cron/job-flags.js";
import { formatJob } from "../../format/cron.js";
import { Flags } from "@oclif/core";

export default class CronAdd extends GatewayCommand {
  static override summary = "Schedule a job: an agent turn (its reply optionally delivered to a chat) or a system event.";
  static override examples = [
    '<%= config.bin %> cron add --cron "0 8 * * *" --tz Europe/Berlin --message "Summarise my day" --deliver --to telegram:123456789',
    '<%= config.bin %> cron add --every 2h --message "Anything new in my inbox?"',
    '<%= config.bin %> cron add --at 2026-12-24T18:00 --system-event "Wish everyone merry Christmas"',
  ];
  static override flags = { ...connectionFlags, ...jobFlags, disabled: Flags.boolean({ description: "add it switched off" }) };

  async run(): Promise<CronJob> {
    const { flags } = await this.parse(CronAdd);
    let params;
    try {
      params = { ...addParams(flags), ...(flags.disabled ? { enabled: false } : {}) };
    } catch (err) {
      if (err instanceof JobFlagError) return this.failWith("usage", err.message, EXIT.usage);
      throw err;
    }
    const job = await this.withGateway(flags, (c) => c.call("cron.add", params));
    this.log(`added\n${formatJob(job)}`);
    return job;
  }
}

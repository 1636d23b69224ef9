import { Args, Flags } from "@oclif/core";
import type { Result } from "@clawdbot/protocol";
import { GatewayCommand } from "../../gateway-command.js";
import { connectionFlags } from "../../gateway-link/flags.js";

export default class SessionsCompact extends GatewayCommand {
  static override summary = "Keep a session's newest transcript lines; older ones move to an archive file.";
  static override examples = ["<%= config.bin %> sessions compact main --max-lines 200"];
  static override args = { key: Args.string({ required: true, description: "session key" }) };
  static override flags = { ...connectionFlags, "max-lines": Flags.integer({ description: "lines to keep (default 200)", min: 1 }) };

  async run(): Promise<Result<"sessions.compact">> {
    const { args, flags } = await this.parse(SessionsCompact);
    const res = await this.withGateway(flags, (c) => c.call("sessions.compact", { key: args.key, ...(flags["max-lines"] !== undefined ? { maxLines: flags["max-lines"] } : {}) }));
    this.log(res.compacted ? `${res.key}: kept ${res.kept} lines, archived ${res.archivedLines} in ${res.archived}` : `${res.key}: nothing to compact (${res.reason ?? "below the limit"})`);
    return res;
  }
}

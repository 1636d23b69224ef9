import { Args } from "@oclif/core";
import type { Result } from "@clawdbot/protocol";
import { GatewayCommand } from "../../gateway-command.js";
import { connectionFlags } from "../../gateway-link/flags.js";

export default class SessionsReset extends GatewayCommand {
  static override summary = "Start a session over; its transcript so far is archived, not deleted.";
  static override examples = ["<%= config.bin %> sessions reset main"];
  static override args = { key: Args.string({ required: true, description: "session key" }) };
  static override flags = { ...connectionFlags };

  async run(): Promise<Result<"sessions.reset">> {
    const { args, flags } = await this.parse(SessionsReset);
    const res = await this.withGateway(flags, (c) => c.call("sessions.reset", { key: args.key }));
    this.log(`${res.key} starts over (session ${res.entry.sessionId})${res.archived ? `; the old transcript is in ${res.archived}` : ""}`);
    return res;
  }
}

import { Args } from "@oclif/core";
import type { Result } from "@clawdbot/protocol";
import { GatewayCommand } from "../../gateway-command.js";
import { connectionFlags } from "../../gateway-link/flags.js";

export default class PairingApprove extends GatewayCommand {
  static override summary = "Let a channel sender talk to the agent, by the code the bot sent them.";
  static override examples = ["<%= config.bin %> pairing approve telegram K7PX3QRA"];
  static override args = {
    channel: Args.string({ required: true, description: "channel name" }),
    code: Args.string({ required: true, description: "pairing code" }),
  };
  static override flags = { ...connectionFlags };

  async run(): Promise<Result<"channels.pairing.approve">> {
    const { args, flags } = await this.parse(PairingApprove);
    const result = await this.withGateway(flags, (c) => c.call("channels.pairing.approve", { channel: args.channel, code: args.code }));
    this.log(`approved ${result.channel} sender ${result.senderId}`);
    return result;
  }
}

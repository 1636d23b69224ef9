import { Args } from "@oclif/core";
import type { Result } from "@clawdbot/protocol";
import { GatewayCommand } from "../../gateway-command.js";
import { connectionFlags } from "../../gateway-link/flags.js";

export default class PairingReject extends GatewayCommand {
  static override summary = "Refuse a channel sender's pairing code.";
  static override args = {
    channel: Args.string({ required: true, description: "channel name" }),
    code: Args.string({ required: true, description: "pairing code" }),
  };
  static override flags = { ...connectionFlags };

  async run(): Promise<Result<"channels.pairing.reject">> {
    const { args, flags } = await this.parse(PairingReject);
    const result = await this.withGateway(flags, (c) => c.call("channels.pairing.reject", { channel: args.channel, code: args.code }));
    this.log(`rejected ${result.channel} sender ${result.senderId}`);
    return result;
  }
}

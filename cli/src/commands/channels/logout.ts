import { Args } from "@oclif/core";
import type { Result } from "@clawdbot/protocol";
import { GatewayCommand } from "../../gateway-command.js";
import { connectionFlags } from "../../gateway-link/flags.js";

export default class ChannelsLogout extends GatewayCommand {
  static override summary = "Stop a channel and forget its stored state, approvals and queued messages.";
  static override args = { channel: Args.string({ required: true, description: "channel name" }) };
  static override flags = { ...connectionFlags };

  async run(): Promise<Result<"channels.logout">> {
    const { args, flags } = await this.parse(ChannelsLogout);
    const result = await this.withGateway(flags, (c) => c.call("channels.logout", { channel: args.channel }));
    this.log(`${result.channel}: ${result.stopped ? "stopped" : "was not running"}, state cleared`);
    return result;
  }
}

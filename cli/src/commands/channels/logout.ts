import { Args, Flags } from "@oclif/core";
import type { Result } from "@clawdbot/protocol";
import { GatewayCommand } from "../../gateway-command.js";
import { connectionFlags } from "../../gateway-link/flags.js";

export default class ChannelsLogout extends GatewayCommand {
  static override summary = "Stop a channel (or one account) and forget its stored credentials, approvals and queued messages; WhatsApp is unlinked on the phone too.";
  static override args = { channel: Args.string({ required: true, description: "channel name" }) };
  static override flags = { ...connectionFlags, account: Flags.string({ description: "only this account" }) };

  async run(): Promise<Result<"channels.logout">> {
    const { args, flags } = await this.parse(ChannelsLogout);
    const params = { channel: args.channel, ...(flags.account ? { accountId: flags.account } : {}) };
    const result = await this.withGateway(flags, (c) => c.call("channels.logout", params));
    this.log(`${result.channel}${flags.account ? ` [${flags.account}]` : ""}: ${result.stopped ? "stopped" : "was not running"}, state cleared`);
    return result;
  }
}

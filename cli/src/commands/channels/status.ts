import { Flags } from "@oclif/core";
import type { Result } from "@clawdbot/protocol";
import { GatewayCommand } from "../../gateway-command.js";
import { connectionFlags } from "../../gateway-link/flags.js";
import { formatChannelsStatus } from "../../format/channels.js";

export default class ChannelsStatus extends GatewayCommand {
  static override summary = "Show every configured channel account: linked, connected, last traffic, queued and dropped messages.";
  static override flags = {
    ...connectionFlags,
    probe: Flags.boolean({ description: "ask each account's provider whether it answers" }),
    "probe-timeout": Flags.integer({ description: "milliseconds each probe may take", min: 0 }),
  };

  async run(): Promise<Result<"channels.status">> {
    const { flags } = await this.parse(ChannelsStatus);
    const params = {
      ...(flags.probe ? { probe: true } : {}),
      ...(flags["probe-timeout"] !== undefined ? { timeoutMs: flags["probe-timeout"] } : {}),
    };
    const result = await this.withGateway(flags, (c) => c.call("channels.status", params));
    this.log(formatChannelsStatus(result));
    return result;
  }
}

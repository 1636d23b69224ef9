import { Args } from "@oclif/core";
import type { Result } from "@clawdbot/protocol";
import { GatewayCommand } from "../../gateway-command.js";
import { connectionFlags } from "../../gateway-link/flags.js";

export default class PairingList extends GatewayCommand {
  static override summary = "List channel senders waiting with a pairing code, and approved senders.";
  static override args = { channel: Args.string({ description: "only this channel" }) };
  static override flags = { ...connectionFlags };

  async run(): Promise<Result<"channels.pairing.list">> {
    const { args, flags } = await this.parse(PairingList);
    const result = await this.withGateway(flags, (c) => c.call("channels.pairing.list", args.channel ? { channel: args.channel } : {}));
    if (result.pending.length === 0) this.log("no pending pairing codes");
    for (const p of result.pending) this.log(`${p.channel} ${p.code}  ${p.senderName ?? ""} (${p.senderId}) ${new Date(p.ts).toISOString()}`);
    if (result.approved.length > 0) this.log(`approved: ${result.approved.map((a) => `${a.channel}:${a.senderName ?? a.senderId}`).join(", ")}`);
    return result;
  }
}

import { Args } from "@oclif/core";
import type { Result } from "@clawdbot/protocol";
import { GatewayCommand } from "../../gateway-command.js";
import { connectionFlags } from "../../gateway-link/flags.js";

export default class PairReject extends GatewayCommand {
  static override summary = "Reject a pending device pairing request.";
  static override args = { requestId: Args.string({ required: true, description: "request id" }) };
  static override flags = { ...connectionFlags };

  async run(): Promise<Result<"device.pair.reject">> {
    const { args, flags } = await this.parse(PairReject);
    const result = await this.withGateway(flags, (c) => c.call("device.pair.reject", { requestId: args.requestId }));
    this.log(`rejected request ${result.requestId}`);
    return result;
  }
}

import { Args } from "@oclif/core";
import type { Result } from "@clawdbot/protocol";
import { GatewayCommand } from "../../gateway-command.js";
import { connectionFlags } from "../../gateway-link/flags.js";

export default class NodesReject extends GatewayCommand {
  static override summary = "Reject a node pairing request.";
  static override args = { requestId: Args.string({ required: true, description: "request id" }) };
  static override flags = { ...connectionFlags };

  async run(): Promise<Result<"node.pair.reject">> {
    const { args, flags } = await this.parse(NodesReject);
    const result = await this.withGateway(flags, (c) => c.call("node.pair.reject", { requestId: args.requestId }));
    this.log(`rejected node request ${result.requestId}`);
    return result;
  }
}

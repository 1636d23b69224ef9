import { Args } from "@oclif/core";
import type { Result } from "@clawdbot/protocol";
import { GatewayCommand } from "../../gateway-command.js";
import { connectionFlags } from "../../gateway-link/flags.js";

export default class NodesApprove extends GatewayCommand {
  static override summary = "Approve a node pairing request (prints the node token once).";
  static override args = { requestId: Args.string({ required: true, description: "request id" }) };
  static override flags = { ...connectionFlags };

  async run(): Promise<Result<"node.pair.approve">> {
    const { args, flags } = await this.parse(NodesApprove);
    const result = await this.withGateway(flags, (c) => c.call("node.pair.approve", { requestId: args.requestId }));
    this.log(`approved node ${result.node.nodeId}; token (shown once): ${result.token}`);
    return result;
  }
}

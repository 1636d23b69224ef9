import { Args } from "@oclif/core";
import type { Result } from "@clawdbot/protocol";
import { GatewayCommand } from "../../gateway-command.js";
import { connectionFlags } from "../../gateway-link/flags.js";
import { resolveId } from "../../gateway-link/id-prefix.js";

export default class NodesApprove extends GatewayCommand {
  static override summary = "Approve a node pairing request (prints the node token once).";
  static override args = { requestId: Args.string({ required: true, description: "request id (or a prefix of it) from `clawdbot nodes pending`" }) };
  static override flags = { ...connectionFlags };

  async run(): Promise<Result<"node.pair.approve">> {
    const { args, flags } = await this.parse(NodesApprove);
    const result = await this.withGateway(flags, async (c) => {
      const { pending } = await c.call("node.pair.list");
      const requestId = resolveId(args.requestId, pending.map((r) => ({ id: r.requestId })), "pending node request", "clawdbot nodes pending");
      return c.call("node.pair.approve", { requestId });
    });
    this.log(`approved node ${result.node.nodeId}; token (shown once): ${result.token}`);
    return result;
  }
}

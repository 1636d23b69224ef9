import { Args } from "@oclif/core";
import type { Result } from "@clawdbot/protocol";
import { GatewayCommand } from "../../gateway-command.js";
import { connectionFlags } from "../../gateway-link/flags.js";
import { resolveNode } from "../../gateway-link/node-target.js";
import { formatNodeInfo } from "../../format/nodes.js";

export default class NodesDescribe extends GatewayCommand {
  static override summary = "Show one node: what it declares, what the gateway lets through, whether it is connected.";
  static override examples = ["<%= config.bin %> nodes describe 3f9a1c2b", "<%= config.bin %> nodes describe build-box --json"];
  static override args = { node: Args.string({ required: true, description: "node id, unique id prefix or display name" }) };
  static override flags = { ...connectionFlags };

  async run(): Promise<Result<"node.describe">> {
    const { args, flags } = await this.parse(NodesDescribe);
    const info = await this.withGateway(flags, async (c) => c.call("node.describe", { nodeId: await resolveNode(c, args.node) }));
    this.log(formatNodeInfo(info));
    return info;
  }
}

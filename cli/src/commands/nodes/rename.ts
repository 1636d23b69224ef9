import { Args } from "@oclif/core";
import type { Result } from "@clawdbot/protocol";
import { GatewayCommand } from "../../gateway-command.js";
import { connectionFlags } from "../../gateway-link/flags.js";
import { resolveNode } from "../../gateway-link/node-target.js";

export default class NodesRename extends GatewayCommand {
  static override summary = "Give a node a display name (the gateway keeps it across restarts).";
  static override examples = ['<%= config.bin %> nodes rename 3f9a1c2b "build box"'];
  static override args = {
    node: Args.string({ required: true, description: "node id, unique id prefix or current display name" }),
    name: Args.string({ required: true, description: "new display name (1-100 characters)" }),
  };
  static override flags = { ...connectionFlags };

  async run(): Promise<Result<"node.rename">> {
    const { args, flags } = await this.parse(NodesRename);
    const res = await this.withGateway(flags, async (c) => c.call("node.rename", { nodeId: await resolveNode(c, args.node), displayName: args.name }));
    this.log(`renamed ${res.nodeId.slice(0, 16)}… to "${res.displayName}"`);
    return res;
  }
}

import { Args } from "@oclif/core";
import { GatewayCommand } from "../../../gateway-command.js";
import { connectionFlags } from "../../../gateway-link/flags.js";
import { invokeNode, nodeCommandFlags, resolveNode } from "../../../gateway-link/node-target.js";
import { formatPayload } from "../../../format/nodes.js";

export default class CanvasEval extends GatewayCommand {
  static override summary = "Evaluate JavaScript in a node's canvas page and print the (JSON) result.";
  static override examples = [`<%= config.bin %> nodes canvas eval --node build-box "document.title"`];
  static override args = { javaScript: Args.string({ required: true, description: "an expression (a promise is awaited)" }) };
  static override flags = { ...connectionFlags, ...nodeCommandFlags };

  async run(): Promise<{ nodeId: string; result: unknown }> {
    const { args, flags } = await this.parse(CanvasEval);
    const out = await this.withGateway(flags, async (c) => {
      const nodeId = await resolveNode(c, flags.node);
      const { payload } = await invokeNode(c, nodeId, "canvas.eval", { javaScript: args.javaScript }, flags.timeout);
      return { nodeId, result: (payload as { result?: unknown } | undefined)?.result ?? null };
    });
    this.log(formatPayload(out.result));
    return out;
  }
}

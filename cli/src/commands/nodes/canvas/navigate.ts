import { Args } from "@oclif/core";
import { GatewayCommand } from "../../../gateway-command.js";
import { connectionFlags } from "../../../gateway-link/flags.js";
import { invokeNode, nodeCommandFlags, resolveNode } from "../../../gateway-link/node-target.js";

export default class CanvasNavigate extends GatewayCommand {
  static override summary = "Point a node's canvas at a URL (http, https or data:).";
  static override examples = ["<%= config.bin %> nodes canvas navigate --node build-box http://127.0.0.1:18793/main/"];
  static override args = { url: Args.string({ required: true, description: "page to open" }) };
  static override flags = { ...connectionFlags, ...nodeCommandFlags };

  async run(): Promise<{ nodeId: string; url: string; title: string }> {
    const { args, flags } = await this.parse(CanvasNavigate);
    const out = await this.withGateway(flags, async (c) => {
      const nodeId = await resolveNode(c, flags.node);
      const { payload } = await invokeNode(c, nodeId, "canvas.navigate", { url: args.url }, flags.timeout);
      const p = payload as { url?: string; title?: string } | undefined;
      return { nodeId, url: p?.url ?? args.url, title: p?.title ?? "" };
    });
    this.log(`${out.url}${out.title ? `  "${out.title}"` : ""}`);
    return out;
  }
}

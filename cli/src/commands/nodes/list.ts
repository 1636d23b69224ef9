import type { Result } from "@clawdbot/protocol";
import { GatewayCommand } from "../../gateway-command.js";
import { connectionFlags } from "../../gateway-link/flags.js";

export default class NodesList extends GatewayCommand {
  static override summary = "List paired nodes.";
  static override flags = { ...connectionFlags };

  async run(): Promise<Result<"node.pair.list">["paired"]> {
    const { flags } = await this.parse(NodesList);
    const { paired } = await this.withGateway(flags, (c) => c.call("node.pair.list"));
    this.log(
      paired.length === 0
        ? "no paired nodes"
        : paired.map((n) => `${n.nodeId}  ${n.displayName ?? ""} (${n.platform ?? "?"}) caps ${(n.caps ?? []).join(",") || "-"}`).join("\n"),
    );
    return paired;
  }
}

import type { Result } from "@clawdbot/protocol";
import { GatewayCommand } from "../../gateway-command.js";
import { connectionFlags } from "../../gateway-link/flags.js";
import { formatNodeRows, mergeNodes, type NodeRow } from "../../format/nodes.js";

export default class NodesList extends GatewayCommand {
  static override summary = "List nodes: connected ones, ones seen before, and ones approved through node pairing.";
  static override description =
    "Ids are shown cut to 12 characters; any unambiguous prefix works wherever a node id is asked for, and so does a node's display name.";
  static override flags = { ...connectionFlags };

  async run(): Promise<NodeRow[]> {
    const { flags } = await this.parse(NodesList);
    const { known, paired } = await this.withGateway(flags, async (c) => {
      const [list, pairing] = await Promise.all([c.call("node.list"), c.call("node.pair.list")]);
      return { known: list.nodes, paired: pairing.paired as Result<"node.pair.list">["paired"] };
    });
    const rows = mergeNodes(known, paired);
    this.log(formatNodeRows(rows));
    return rows;
  }
}

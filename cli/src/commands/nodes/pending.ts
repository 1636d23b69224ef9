import type { Result } from "@clawdbot/protocol";
import { GatewayCommand } from "../../gateway-command.js";
import { connectionFlags } from "../../gateway-link/flags.js";

export default class NodesPending extends GatewayCommand {
  static override summary = "List pending node pairing requests.";
  static override flags = { ...connectionFlags };

  async run(): Promise<Result<"node.pair.list">["pending"]> {
    const { flags } = await this.parse(NodesPending);
    const { pending } = await this.withGateway(flags, (c) => c.call("node.pair.list"));
    this.log(
      pending.length === 0
        ? "no pending node requests"
        : pending.map((r) => `${r.requestId}  ${r.displayName ?? r.nodeId} (${r.platform ?? "?"})`).join("\n"),
    );
    return pending;
  }
}

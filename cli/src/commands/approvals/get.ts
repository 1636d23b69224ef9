import { Flags } from "@oclif/core";
import type { ExecApprovalsSnapshot } from "@clawdbot/protocol";
import { GatewayCommand } from "../../gateway-command.js";
import { connectionFlags } from "../../gateway-link/flags.js";
import { resolveNode } from "../../gateway-link/node-target.js";
import { formatApprovals } from "../../format/approvals.js";

export default class ApprovalsGet extends GatewayCommand {
  static override summary = "Show the exec approvals policy of the gateway or of a node.";
  static override description =
    "Prints the policy file (security deny|allowlist|full, ask off|on-miss|always, askFallback, allowlists per agent) and its hash, which `approvals set` uses to refuse overwriting a concurrent change.";
  static override examples = ["<%= config.bin %> approvals get", "<%= config.bin %> approvals get --node build-box --json"];
  static override flags = {
    ...connectionFlags,
    node: Flags.string({ description: "a node's policy (node id, unique id prefix or display name) instead of the gateway's" }),
  };

  async run(): Promise<ExecApprovalsSnapshot> {
    const { flags } = await this.parse(ApprovalsGet);
    const node = flags.node;
    const snap = await this.withGateway(flags, async (c) =>
      node === undefined ? c.call("exec.approvals.get", {}) : c.call("exec.approvals.node.get", { nodeId: await resolveNode(c, node) }),
    );
    this.log(formatApprovals(snap, node === undefined ? "gateway" : `node ${node}`));
    return snap;
  }
}

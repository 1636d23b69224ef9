import { Args } from "@oclif/core";
import type { Result } from "@clawdbot/protocol";
import { GatewayCommand } from "../../gateway-command.js";
import { connectionFlags } from "../../gateway-link/flags.js";

const DECISIONS = ["allow-once", "allow-always", "deny"] as const;

export default class ApprovalsResolve extends GatewayCommand {
  static override summary = "Answer a pending exec approval request.";
  static override description =
    "Operators holding operator.approvals receive exec.approval.requested events (id, command, host); this answers one. allow-always also adds the program to the policy's allowlist.";
  static override examples = ["<%= config.bin %> approvals resolve 3f2a… allow-once", "<%= config.bin %> approvals resolve 3f2a… deny"];
  static override args = {
    id: Args.string({ required: true, description: "approval id from the exec.approval.requested event" }),
    decision: Args.string({ required: true, options: [...DECISIONS], description: "allow-once, allow-always or deny" }),
  };
  static override flags = { ...connectionFlags };

  async run(): Promise<Result<"exec.approval.resolve">> {
    const { args, flags } = await this.parse(ApprovalsResolve);
    const decision = args.decision as (typeof DECISIONS)[number];
    const res = await this.withGateway(flags, (c) => c.call("exec.approval.resolve", { id: args.id, decision }));
    this.log(`${decision}: ${args.id}`);
    return res;
  }
}

import { Args } from "@oclif/core";
import type { Result } from "@clawdbot/protocol";
import { GatewayCommand } from "../../gateway-command.js";
import { connectionFlags } from "../../gateway-link/flags.js";
import { resolveId } from "../../gateway-link/id-prefix.js";

export default class PairReject extends GatewayCommand {
  static override summary = "Reject a pending device pairing request.";
  static override examples = ["<%= config.bin %> pair reject 2f6c"];
  static override args = { requestId: Args.string({ required: true, description: "request id (or a prefix of it) from `clawdbot pair list`" }) };
  static override flags = { ...connectionFlags };

  async run(): Promise<Result<"device.pair.reject">> {
    const { args, flags } = await this.parse(PairReject);
    const result = await this.withGateway(flags, async (c) => {
      const { pending } = await c.call("device.pair.list");
      const requestId = resolveId(args.requestId, pending.map((r) => ({ id: r.requestId })), "pending request", "clawdbot pair list");
      return c.call("device.pair.reject", { requestId });
    });
    this.log(`rejected request ${result.requestId}`);
    return result;
  }
}

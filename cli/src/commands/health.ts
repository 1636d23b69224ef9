import type { Result } from "@clawdbot/protocol";
import { GatewayCommand } from "../gateway-command.js";
import { connectionFlags } from "../gateway-link/flags.js";
import { formatHealth } from "../format/health.js";

export default class Health extends GatewayCommand {
  static override summary = "Check that the gateway is up and healthy.";
  static override examples = ["<%= config.bin %> health", "<%= config.bin %> health --json"];
  static override flags = { ...connectionFlags };

  async run(): Promise<Result<"health">> {
    const { flags } = await this.parse(Health);
    const result = await this.withGateway(flags, (c) => c.call("health"));
    this.log(formatHealth(result));
    return result;
  }
}

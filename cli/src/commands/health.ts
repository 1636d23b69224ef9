import type { Result } from "@clawdbot/protocol";
import { GatewayCommand } from "../gateway-command.js";
import { connectionFlags } from "../gateway-link/flags.js";
import { formatHealth } from "../format/health.js";
import { EXIT } from "../gateway-link/exit-codes.js";

export default class Health extends GatewayCommand {
  static override summary = "Check that the gateway is up and healthy (exit 1 when a configured channel is down).";
  static override examples = ["<%= config.bin %> health", "<%= config.bin %> health --json"];
  static override flags = { ...connectionFlags };

  async run(): Promise<Result<"health">> {
    const { flags } = await this.parse(Health);
    const result = await this.withGateway(flags, (c) => c.call("health"));
    this.log(formatHealth(result));
    // A configured channel that is down makes the gateway unhealthy: exit 1, after printing which.
    if (!result.ok) {
      if (this.jsonEnabled()) this.logJson(result);
      return this.exit(EXIT.error);
    }
    return result;
  }
}

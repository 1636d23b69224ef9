import type { Result } from "@clawdbot/protocol";
import { GatewayCommand } from "../gateway-command.js";
import { connectionFlags } from "../gateway-link/flags.js";
import { formatStatus } from "../format/status.js";

export default class Status extends GatewayCommand {
  static override summary = "Show what the running gateway is: version, address, connections, paths.";
  static override examples = ["<%= config.bin %> status", "<%= config.bin %> status --url ws://127.0.0.1:18789 --json"];
  static override flags = { ...connectionFlags };

  async run(): Promise<Result<"status">> {
    const { flags } = await this.parse(Status);
    const result = await this.withGateway(flags, (c) => c.call("status"));
    this.log(formatStatus(result));
    return result;
  }
}

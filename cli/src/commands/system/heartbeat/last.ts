import type { Result } from "@clawdbot/protocol";
import { GatewayCommand } from "../../../gateway-command.js";
import { connectionFlags } from "../../../gateway-link/flags.js";
import { formatHeartbeat } from "../../../format/system.js";

export default class SystemHeartbeatLast extends GatewayCommand {
  static override summary = "Show the last heartbeat: its status (sent, ok-empty, ok-token, skipped, failed), why it ran, when.";
  static override examples = ["<%= config.bin %> system heartbeat last --json"];
  static override flags = { ...connectionFlags };

  async run(): Promise<Result<"last-heartbeat">> {
    const { flags } = await this.parse(SystemHeartbeatLast);
    const res = await this.withGateway(flags, (c) => c.call("last-heartbeat"));
    this.log(formatHeartbeat(res));
    return res;
  }
}

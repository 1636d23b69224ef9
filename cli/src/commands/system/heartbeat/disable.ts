import type { Result } from "@clawdbot/protocol";
import { GatewayCommand } from "../../../gateway-command.js";
import { connectionFlags } from "../../../gateway-link/flags.js";

export default class SystemHeartbeatDisable extends GatewayCommand {
  static override summary = "Turn periodic heartbeats off (until the gateway restarts; heartbeat.enabled in the config keeps it).";
  static override examples = ["<%= config.bin %> system heartbeat disable"];
  static override flags = { ...connectionFlags };

  async run(): Promise<Result<"set-heartbeats">> {
    const { flags } = await this.parse(SystemHeartbeatDisable);
    const res = await this.withGateway(flags, (c) => c.call("set-heartbeats", { enabled: false }));
    this.log(`heartbeats ${res.enabled ? "on" : "off"}`);
    return res;
  }
}

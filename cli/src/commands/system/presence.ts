import type { Result } from "@clawdbot/protocol";
import { GatewayCommand } from "../../gateway-command.js";
import { connectionFlags } from "../../gateway-link/flags.js";
import { formatPresence } from "../../format/system.js";

export default class SystemPresence extends GatewayCommand {
  static override summary = "List the gateway's presence entries: itself, connected clients and nodes.";
  static override examples = ["<%= config.bin %> system presence", "<%= config.bin %> system presence --json"];
  static override flags = { ...connectionFlags };

  async run(): Promise<Result<"system-presence">> {
    const { flags } = await this.parse(SystemPresence);
    const res = await this.withGateway(flags, (c) => c.call("system-presence"));
    this.log(formatPresence(res));
    return res;
  }
}

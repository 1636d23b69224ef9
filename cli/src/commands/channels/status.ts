import type { Result } from "@clawdbot/protocol";
import { GatewayCommand } from "../../gateway-command.js";
import { connectionFlags } from "../../gateway-link/flags.js";

export default class ChannelsStatus extends GatewayCommand {
  static override summary = "Show every configured channel: running, receiving, last error, queued messages.";
  static override flags = { ...connectionFlags };

  async run(): Promise<Result<"channels.status">> {
    const { flags } = await this.parse(ChannelsStatus);
    const result = await this.withGateway(flags, (c) => c.call("channels.status"));
    const rows = Object.entries(result.channels);
    if (rows.length === 0) this.log("no channels configured (add one under channels in clawdbot.json)");
    for (const [name, st] of rows) {
      const state = !st.configured ? "logged out" : st.connected ? "connected" : st.running ? "running, not receiving" : "stopped";
      const last = st.lastInboundAt ? `, last message ${new Date(st.lastInboundAt).toISOString()}` : "";
      const err = st.lastError ? `, last error: ${st.lastError}` : "";
      this.log(`${name}${st.accountId ? ` (${st.accountId})` : ""}: ${state}${last}, ${st.outboxPending} queued, ${st.restarts} restarts${err}`);
    }
    return result;
  }
}

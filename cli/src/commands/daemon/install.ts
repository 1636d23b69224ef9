import { Flags } from "@oclif/core";
import type { DaemonResult } from "../../daemon/actions.js";
import { DaemonCommand, daemonFlags } from "../../daemon/command.js";

export default class DaemonInstall extends DaemonCommand {
  static override summary = "Install the gateway as a LaunchAgent (macOS) or systemd user service (Linux) and start it.";
  static override description =
    "Writes ~/Library/LaunchAgents/com.clawdbot.gateway.plist or ~/.config/systemd/user/clawdbot-gateway.service and (re)starts it. " +
    "A token goes to <stateDir>/gateway.token (mode 0600), never into the service file. Installing again rewrites the file and restarts the service.";
  static override examples = [
    "<%= config.bin %> daemon install",
    "CLAWDBOT_GATEWAY_TOKEN=$(openssl rand -hex 24) <%= config.bin %> daemon install --bind lan",
    "<%= config.bin %> daemon install --dry-run --platform linux",
  ];
  static override flags = {
    ...daemonFlags,
    port: Flags.integer({ description: "TCP port the gateway listens on (default 18789)", min: 0, max: 65535 }),
    bind: Flags.string({ description: "loopback | lan | tailnet | <ip> (default loopback)" }),
    token: Flags.string({ description: "gateway token, stored in <stateDir>/gateway.token (default CLAWDBOT_GATEWAY_TOKEN)" }),
  };

  async run(): Promise<DaemonResult> {
    const { flags } = await this.parse(DaemonInstall);
    const token = flags.token ?? (process.env["CLAWDBOT_GATEWAY_TOKEN"] || undefined);
    const install = {
      ...(flags.port !== undefined ? { port: flags.port } : {}),
      ...(flags.bind !== undefined ? { bind: flags.bind } : {}),
      ...(token !== undefined ? { token } : {}),
    };
    return this.daemon("install", flags, { install });
  }
}

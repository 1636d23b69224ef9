import { Flags } from "@oclif/core";
import { runGatewayCommand } from "../fast/gateway.js";
import { ClawdbotCommand } from "../command.js";
import { secretFlag } from "../gateway-link/flags.js";

export default class GatewayRun extends ClawdbotCommand {
  static override enableJsonFlag = false;
  static override summary = "Run the gateway in the foreground.";
  static override description =
    "Starts the gateway on 127.0.0.1:18789 by default. Binding beyond loopback needs a token or password. Stop with Ctrl-C (clients get a shutdown event).";
  static override examples = [
    "<%= config.bin %> gateway",
    "openssl rand -hex 24 > ~/.clawdbot/gateway.token && chmod 600 ~/.clawdbot/gateway.token\n<%= config.bin %> gateway --bind lan --token-file ~/.clawdbot/gateway.token",
  ];
  static override flags = {
    port: Flags.integer({ description: "TCP port (default 18789)", min: 0, max: 65535 }),
    bind: Flags.string({ description: "loopback | lan | tailnet | <ip> (default loopback)" }),
    token: secretFlag("gateway token clients must present (or CLAWDBOT_GATEWAY_TOKEN); prefer --token-file or the environment, as other local users can read the command line"),
    "token-file": Flags.string({ description: "file holding the gateway token (or CLAWDBOT_GATEWAY_TOKEN_FILE)", exclusive: ["token"] }),
    password: secretFlag("gateway password (or CLAWDBOT_GATEWAY_PASSWORD)"),
    config: Flags.string({ description: "path to clawdbot.json (or CLAWDBOT_CONFIG_PATH)" }),
    verbose: Flags.boolean({ description: "debug logging", default: false }),
    "canvas-port": Flags.integer({ description: "canvas host port (default 18793; 0 picks one)", min: 0, max: 65535 }),
    tls: Flags.boolean({ description: "serve wss:// and https:// (self-signed certificate unless gateway.tls.certPath/keyPath are set)" }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(GatewayRun);
    const { "canvas-port": canvasPort, "token-file": tokenFile, ...rest } = flags;
    this.exit(await runGatewayCommand({ ...rest, canvasPort, tokenFile }, process.env));
  }
}

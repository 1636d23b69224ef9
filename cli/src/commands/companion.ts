import { Flags } from "@oclif/core";
import { ClawdbotCommand } from "../command.js";
import { runCompanion } from "../companion/main.js";
import { CLI_VERSION } from "../version.js";

export default class Companion extends ClawdbotCommand {
  static override enableJsonFlag = false;
  static override summary = "Run the menubar companion's core, speaking JSON lines to its shell over stdin/stdout.";
  static override description = [
    "The macOS menubar app (macos/ClawdbotMenuBar) starts this and draws what it says; it is not meant to be typed by hand.",
    "Connects to the gateway as an operator with its own device identity (<stateDir>/companion/; local connections are auto-approved, otherwise approve it with `clawdbot pair approve`) and keeps the menu model: gateway state and version, pending device and node pairing requests, channels, nodes, the gateway service (as `clawdbot daemon status` sees it) and, on macOS, privacy permissions.",
    'Protocol (one JSON object per line, schemas in protocol/generated/companion.schema.json): it writes {"type":"menu"} on every change, {"type":"notify"} for a new pairing request or a channel that went down, {"type":"open-url"}, {"type":"clipboard"}, {"type":"error"} and {"type":"quit"}; it reads {"type":"hello"}, {"type":"click","itemId"} and {"type":"notification-action","id","action"}. A line it cannot read is answered with an error line and ignored.',
    "Log lines go to stderr. Exits 0 when the user quits or the shell closes stdin.",
  ].join("\n\n");
  static override examples = ["<%= config.bin %> companion --stdio", "<%= config.bin %> companion --stdio --url ws://mac-mini.local:18789"];
  static override flags = {
    stdio: Flags.boolean({ description: "speak the companion protocol on stdin/stdout (the only mode; the menubar app passes it)", default: false }),
    url: Flags.string({ description: "gateway WebSocket URL (default ws://127.0.0.1:18789 or CLAWDBOT_GATEWAY_URL)" }),
    token: Flags.string({ description: "gateway token, when the gateway requires one (default CLAWDBOT_GATEWAY_TOKEN)" }),
    password: Flags.string({ description: "gateway password (default CLAWDBOT_GATEWAY_PASSWORD)" }),
    "tls-fingerprint": Flags.string({ description: "expected SHA-256 fingerprint of the gateway's TLS certificate" }),
    poll: Flags.integer({ description: "milliseconds between checks of channels, nodes, the service and permissions", default: 5000, min: 200 }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Companion);
    if (!flags.stdio) {
      this.error("clawdbot companion is the menubar app's core and speaks JSON lines: run `clawdbot companion --stdio` (the app does); see README \"macOS menubar\"", { exit: 2 });
    }
    const code = await runCompanion({
      url: flags.url,
      token: flags.token,
      password: flags.password,
      tlsFingerprint: flags["tls-fingerprint"],
      env: process.env,
      platform: process.platform,
      version: CLI_VERSION,
      input: process.stdin,
      output: process.stdout,
      log: (m) => process.stderr.write(`clawdbot companion: ${m}\n`),
      pollMs: flags.poll,
    });
    this.exit(code);
  }
}

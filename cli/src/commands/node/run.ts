import { Flags } from "@oclif/core";
import { argvSecretWarning } from "@clawdbot/sidecar/config";
import { tokenFileFlag } from "../../gateway-link/flags.js";
import { ClawdbotCommand } from "../../command.js";
import { NodeConfigError, runNodeHost, type NodeLog } from "../../node-host/index.js";
import { CLI_VERSION } from "../../version.js";

export default class NodeRun extends ClawdbotCommand {
  static override enableJsonFlag = false;
  static override summary = "Run a headless node host in the foreground.";
  static override description = [
    'Connects to one gateway as a node (role "node") and serves the commands this machine can run: system.info; system.run for the programs listed in node.json systemRun.allow; canvas.* when a Chromium (CHROMIUM_PATH or /usr/bin/chromium) and playwright-core are available; on macOS camera/screen/location commands when node-mac-permissions reports the permission granted (each one left out is named, with the reason).',
    "State lives in <stateDir>/node/ (CLAWDBOT_STATE_DIR, default ~/.clawdbot): identity.json, device-auth.json, gateway-pin.json (the wss:// certificate pinned at the first pairing) and node.json:",
    '  {gatewayUrl?, displayName?, canvasHostUrl?, systemRun: {allow: ["echo", "/usr/bin/uname"], timeoutMs, maxOutputBytes, envAllow: ["LANG"]}}',
    "system.run takes a caller's env only for names in systemRun.envAllow (plain names; PATH, LD_*, DYLD_*, BASH_FUNC_*, BASH_ENV, ENV, NODE_OPTIONS and interpreter option variables can never be set).",
    "Pairs like any device (local connections are auto-approved; otherwise approve the printed request id on the gateway host) and reconnects with backoff until Ctrl-C / SIGTERM.",
    "Exit codes: 0 stopped by a signal, 1 configuration error, 3 the gateway's TLS certificate changed (or does not match --tls-fingerprint).",
  ].join("\n\n");
  static override examples = [
    "<%= config.bin %> node run --url ws://127.0.0.1:18789 --display-name build-box",
    "<%= config.bin %> node run --url wss://gateway.tailnet:18789 --tls-fingerprint AB:CD:…",
  ];
  static override flags = {
    url: Flags.string({ description: "gateway WebSocket URL (else gatewayUrl in node.json); the node connects to nothing else" }),
    "display-name": Flags.string({ description: "name shown in node.list (else displayName in node.json)" }),
    config: Flags.string({ description: "path to node.json (default <stateDir>/node/node.json)" }),
    "tls-fingerprint": Flags.string({ description: "expected SHA-256 fingerprint of the gateway's certificate; overrides and replaces the pinned one" }),
    token: Flags.string({ description: "gateway token, when the gateway requires one (default CLAWDBOT_GATEWAY_TOKEN); prefer --token-file or the environment" }),
    "token-file": tokenFileFlag(),
    password: Flags.string({ description: "gateway password (default CLAWDBOT_GATEWAY_PASSWORD)" }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(NodeRun);
    const stop = new AbortController();
    const onSignal = (sig: string) => {
      log.info(`${sig}: stopping`);
      stop.abort();
    };
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    const inArgv = [flags.token !== undefined ? "--token" : "", flags.password !== undefined ? "--password" : ""].filter(Boolean);
    if (inArgv.length > 0) log.warn(argvSecretWarning(inArgv));
    let code: number;
    try {
      code = await runNodeHost({
        url: flags.url,
        displayName: flags["display-name"],
        configPath: flags.config,
        tlsFingerprint: flags["tls-fingerprint"],
        token: flags.token ?? flags["token-file"] ?? process.env["CLAWDBOT_GATEWAY_TOKEN"],
        password: flags.password ?? process.env["CLAWDBOT_GATEWAY_PASSWORD"],
        version: CLI_VERSION,
        platform: process.platform,
        env: process.env,
        log,
        signal: stop.signal,
      });
    } catch (err) {
      if (!(err instanceof NodeConfigError)) throw err;
      log.error(err.message);
      code = 1;
    }
    this.exit(code);
  }
}

const log: NodeLog = {
  info: (m) => process.stdout.write(`clawdbot node: ${m}\n`),
  warn: (m) => process.stderr.write(`clawdbot node: ${m}\n`),
  error: (m) => process.stderr.write(`clawdbot node: error: ${m}\n`),
};

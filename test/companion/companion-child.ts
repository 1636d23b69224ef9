// The companion core exactly as `clawdbot companion --stdio` wires it, on this process's stdio,
// with the two seams the tests steer through files: the command runner standing in for systemctl
// (every command appended to RUNNER_LOG; `status` answered from SERVICE_STATE, which start/stop
// change like a supervisor would) and the node-mac-permissions backend (answers in PERMISSIONS).
// Started by companion.test.ts as `node --import tsx test/companion/companion-child.ts <url>`.
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { runCompanion } from "../../cli/src/companion/main.js";
import type { CommandOutcome, CommandRunner } from "../../cli/src/daemon/index.js";
import { backendProbe } from "../../cli/src/permissions/probe.js";

const env = process.env;
const [url] = process.argv.slice(2);

function state(): { running: boolean } {
  return JSON.parse(readFileSync(env["SERVICE_STATE"]!, "utf8")) as { running: boolean };
}

const runner: CommandRunner = {
  async capture(argv): Promise<CommandOutcome> {
    appendFileSync(env["RUNNER_LOG"]!, `${JSON.stringify(argv)}\n`);
    const verb = argv[2];
    if (verb === "start" || verb === "restart") writeFileSync(env["SERVICE_STATE"]!, JSON.stringify({ running: true }));
    if (verb === "stop") writeFileSync(env["SERVICE_STATE"]!, JSON.stringify({ running: false }));
    if (verb !== "status") return { code: 0, stdout: "", stderr: "" };
    const running = state().running;
    const unit = "● clawdbot-gateway.service - Clawdbot gateway\n     Loaded: loaded (/home/u/.config/systemd/user/clawdbot-gateway.service; enabled)\n";
    return running
      ? { code: 0, stdout: `${unit}     Active: active (running) since Mon 2025-01-06 10:00:00 UTC; 1min ago\n   Main PID: 4242 (node)\n`, stderr: "" }
      : { code: 3, stdout: `${unit}     Active: inactive (dead)\n`, stderr: "" };
  },
  attach: () => Promise.resolve(0),
};

const permissions = backendProbe({
  getAuthStatus: (type) => (JSON.parse(readFileSync(env["PERMISSIONS"]!, "utf8")) as Record<string, string>)[type] ?? "not determined",
});

runCompanion({
  url,
  token: undefined,
  password: undefined,
  tlsFingerprint: undefined,
  env,
  platform: "linux",
  version: "test",
  input: process.stdin,
  output: process.stdout,
  log: (m) => process.stderr.write(`companion: ${m}\n`),
  runner,
  permissions,
  pollMs: 300,
}).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);

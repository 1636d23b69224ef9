import { Args, Flags } from "@oclif/core";
import { GatewayCommand } from "../../gateway-command.js";
import { connectionFlags } from "../../gateway-link/flags.js";
import { invokeNode, resolveNode } from "../../gateway-link/node-target.js";
import { EXIT } from "../../gateway-link/exit-codes.js";

/** What system.run reports. */
interface RunPayload {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export default class NodesRun extends GatewayCommand {
  static override summary = "Run a program on a node (through exec approvals).";
  static override description =
    "Sends system.run to the node. When the gateway's or the node's exec policy asks for approval, an operator holding operator.approvals must answer the exec.approval.requested event (`clawdbot approvals resolve <id> allow-once`) within --timeout; a denial or no answer runs nothing. Prints the program's output; exits 0 when it exited 0, else 1.";
  static override examples = ["<%= config.bin %> nodes run build-box -- uname -a", "<%= config.bin %> nodes run build-box --cwd /tmp -- ls -la"];
  static override strict = false;
  static override args = {
    node: Args.string({ required: true, description: "node id, unique id prefix or display name" }),
  };
  static override flags = {
    ...connectionFlags,
    cwd: Flags.string({ description: "working directory on the node" }),
    agent: Flags.string({ description: "agent whose exec policy applies (default main)" }),
    timeout: Flags.integer({ description: "milliseconds for approval and for the run each (also the connection timeout)", default: 120_000, min: 1, max: 600_000 }),
  };

  async run(): Promise<RunPayload> {
    const { args, argv, flags } = await this.parse(NodesRun);
    const command = (argv as string[]).slice(1);
    if (command.length === 0) return this.failWith("usage", "say what to run after --, e.g. `clawdbot nodes run build-box -- uname -a`", EXIT.usage);
    const params = { argv: command, ...(flags.cwd ? { cwd: flags.cwd } : {}), ...(flags.agent ? { agentId: flags.agent } : {}) };
    const { payload } = await this.withGateway(flags, async (c) => invokeNode(c, await resolveNode(c, args.node), "system.run", params, flags.timeout));
    const out = payload as RunPayload;
    if (!this.jsonEnabled()) {
      process.stdout.write(out.stdout);
      process.stderr.write(out.stderr);
      if (out.timedOut) process.stderr.write(`clawdbot: ${command[0]} was stopped after the node's time limit\n`);
    }
    if (out.exitCode !== 0) {
      if (this.jsonEnabled()) this.logJson(out);
      return this.exit(EXIT.error);
    }
    return out;
  }
}

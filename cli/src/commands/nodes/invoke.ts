import { Args, Flags } from "@oclif/core";
import { GatewayCommand } from "../../gateway-command.js";
import { connectionFlags } from "../../gateway-link/flags.js";
import { invokeNode, resolveNode, type InvokeResult } from "../../gateway-link/node-target.js";
import { formatPayload } from "../../format/nodes.js";

export default class NodesInvoke extends GatewayCommand {
  static override summary = "Run a command on a node and print its result.";
  static override description =
    "Sends node.invoke with a fresh idempotency key. The gateway refuses commands the node did not declare or that are not on its allowlist (FORBIDDEN); a node that disconnects meanwhile answers UNAVAILABLE, one that is too slow AGENT_TIMEOUT.";
  static override examples = [
    "<%= config.bin %> nodes invoke build-box system.info",
    `<%= config.bin %> nodes invoke build-box system.run --params '{"argv":["uname","-a"]}'`,
  ];
  static override args = {
    node: Args.string({ required: true, description: "node id, unique id prefix or display name" }),
    command: Args.string({ required: true, description: "node command, e.g. system.info" }),
  };
  static override flags = {
    ...connectionFlags,
    params: Flags.string({ description: "command params as JSON" }),
    timeout: Flags.integer({ description: "milliseconds the node may take (also the connection timeout)", default: 30_000, min: 1, max: 600_000 }),
  };

  async run(): Promise<InvokeResult> {
    const { args, flags } = await this.parse(NodesInvoke);
    const params = this.jsonFlag("params", flags.params);
    const { result, payload } = await this.withGateway(flags, async (c) => invokeNode(c, await resolveNode(c, args.node), args.command, params, flags.timeout));
    this.log(formatPayload(payload));
    return result;
  }
}

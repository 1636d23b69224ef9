import { Args, Flags } from "@oclif/core";
import { GatewayCommand } from "../gateway-command.js";
import { connectionFlags } from "../gateway-link/flags.js";

export default class Call extends GatewayCommand {
  static override summary = "Call any gateway method and print its result.";
  static override examples = [
    "<%= config.bin %> call system-presence",
    `<%= config.bin %> call set-heartbeats --params '{"enabled":false}'`,
  ];
  static override args = { method: Args.string({ required: true, description: "method name, e.g. health" }) };
  static override flags = {
    ...connectionFlags,
    params: Flags.string({ description: "method params as a JSON object" }),
    final: Flags.boolean({ description: "for two-phase methods, wait for the final response", default: true, allowNo: true }),
  };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(Call);
    const params = this.jsonObjectFlag("params", flags.params);
    const result = await this.withGateway(flags, (c) => c.request(args.method, params, { expectFinal: flags.final }));
    this.log(JSON.stringify(result, null, 2));
    return result;
  }
}

import { Args, Flags } from "@oclif/core";
import type { Result } from "@clawdbot/protocol";
import { GatewayCommand } from "../../gateway-command.js";
import { connectionFlags } from "../../gateway-link/flags.js";
import { EXIT } from "../../gateway-link/exit-codes.js";
import { describeWrite, parseKeyPath, patchKey } from "../../config-edit/key-path.js";

export default class ConfigUnset extends GatewayCommand {
  static override summary = "Remove one key from the config file (its default applies again).";
  static override examples = ["<%= config.bin %> config unset heartbeat.intervalMs"];
  static override args = { path: Args.string({ required: true, description: "dotted key path" }) };
  static override flags = { ...connectionFlags, "restart-delay": Flags.integer({ description: "if the change needs a restart, restart the gateway after this many ms", min: 0 }) };

  async run(): Promise<Result<"config.patch">> {
    const { args, flags } = await this.parse(ConfigUnset);
    const keys = parseKeyPath(args.path);
    if (!keys) return this.failWith("usage", `"${args.path}" is not a key path (keys separated by dots)`, EXIT.usage);
    const res = await this.withGateway(flags, (c) => patchKey(c, keys, null, flags["restart-delay"]));
    this.log(describeWrite(res));
    return res;
  }
}

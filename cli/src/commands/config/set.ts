import { Args, Flags } from "@oclif/core";
import type { Result } from "@clawdbot/protocol";
import { GatewayCommand } from "../../gateway-command.js";
import { connectionFlags } from "../../gateway-link/flags.js";
import { EXIT } from "../../gateway-link/exit-codes.js";
import { describeWrite, parseKeyPath, parseValue, patchKey } from "../../config-edit/key-path.js";

export default class ConfigSet extends GatewayCommand {
  static override summary = "Set one key of the config file; the gateway validates, writes and applies it.";
  static override description = "The value is read as JSON5 when it parses (numbers, true/false, [lists], {objects}), else as text. The change is made only if nobody changed the file meanwhile.";
  static override examples = [
    "<%= config.bin %> config set heartbeat.intervalMs 600000",
    "<%= config.bin %> config set channels.telegram.dmPolicy allowlist",
    '<%= config.bin %> config set channels.telegram.allowFrom \'["123456789"]\'',
  ];
  static override args = {
    path: Args.string({ required: true, description: "dotted key path" }),
    value: Args.string({ required: true, description: "the new value" }),
  };
  static override flags = { ...connectionFlags, "restart-delay": Flags.integer({ description: "if the change needs a restart, restart the gateway after this many ms", min: 0 }) };

  async run(): Promise<Result<"config.patch">> {
    const { args, flags } = await this.parse(ConfigSet);
    const keys = parseKeyPath(args.path);
    if (!keys) return this.failWith("usage", `"${args.path}" is not a key path (keys separated by dots)`, EXIT.usage);
    const res = await this.withGateway(flags, (c) => patchKey(c, keys, parseValue(args.value), flags["restart-delay"]));
    this.log(describeWrite(res));
    return res;
  }
}

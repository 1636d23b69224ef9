import { Args } from "@oclif/core";
import { GatewayCommand } from "../../gateway-command.js";
import { connectionFlags } from "../../gateway-link/flags.js";
import { EXIT } from "../../gateway-link/exit-codes.js";
import { parseKeyPath, valueAt } from "../../config-edit/key-path.js";

type Shown = { path: string; file: string; hash: string; valid: boolean; value: unknown };

export default class ConfigGet extends GatewayCommand {
  static override summary = "Show the gateway's config file, or one key of it (secrets shown as [redacted]).";
  static override examples = ["<%= config.bin %> config get", "<%= config.bin %> config get channels.telegram.dmPolicy", "<%= config.bin %> config get gateway --json"];
  static override args = { path: Args.string({ required: false, description: "dotted key path, e.g. heartbeat.intervalMs" }) };
  static override flags = { ...connectionFlags };

  async run(): Promise<Shown> {
    const { args, flags } = await this.parse(ConfigGet);
    const keys = args.path === undefined ? [] : parseKeyPath(args.path);
    if (!keys) return this.failWith("usage", `"${args.path}" is not a key path (keys separated by dots)`, EXIT.usage);
    const res = await this.withGateway(flags, (c) => c.call("config.get"));
    const doc = res.parsed ?? res.config;
    const value = keys.length === 0 ? doc : valueAt(doc, keys);
    if (value === undefined) return this.failWith("NOT_FOUND", `${args.path} is not set in ${res.path}`, EXIT.requestFailed);
    const shown = { path: args.path ?? "", file: res.path, hash: res.hash, valid: res.valid, value };
    if (!res.valid) process.stderr.write(`warning: ${res.path} is not valid: ${res.issues.map((i) => `${i.path}: ${i.message}`).join("; ")}\n`);
    this.log(typeof value === "string" ? value : JSON.stringify(value, null, 2));
    return shown;
  }
}

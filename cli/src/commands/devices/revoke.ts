import { Args, Flags } from "@oclif/core";
import type { Result } from "@clawdbot/protocol";
import { GatewayCommand } from "../../gateway-command.js";
import { connectionFlags } from "../../gateway-link/flags.js";
import { resolveDevice } from "../../gateway-link/id-prefix.js";

export default class DevicesRevoke extends GatewayCommand {
  static override summary = "Revoke a device token and disconnect that device's live sockets.";
  static override examples = ["<%= config.bin %> devices revoke 3f9a1c2b --role operator"];
  static override args = { deviceId: Args.string({ required: true, description: "device id, or any unambiguous prefix of it as `devices list` shows it" }) };
  static override flags = {
    ...connectionFlags,
    role: Flags.string({ options: ["operator", "node"], default: "operator", description: "token role" }),
  };

  async run(): Promise<Result<"device.token.revoke">> {
    const { args, flags } = await this.parse(DevicesRevoke);
    const role = flags.role === "node" ? "node" : "operator";
    const result = await this.withGateway(flags, async (c) => c.call("device.token.revoke", { deviceId: await resolveDevice(c, args.deviceId), role }));
    this.log(`revoked ${result.role} token of ${result.deviceId.slice(0, 16)}… (${result.disconnected} socket(s) closed)`);
    return result;
  }
}

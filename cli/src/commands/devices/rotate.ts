import { Args, Flags } from "@oclif/core";
import type { Result } from "@clawdbot/protocol";
import { GatewayCommand } from "../../gateway-command.js";
import { connectionFlags } from "../../gateway-link/flags.js";
import { rememberOwnToken } from "../../gateway-link/connect.js";
import { resolveDevice } from "../../gateway-link/id-prefix.js";

export default class DevicesRotate extends GatewayCommand {
  static override summary = "Issue a new device token; the old one stops working at once.";
  static override examples = ["<%= config.bin %> devices rotate 3f9a1c2b", "<%= config.bin %> devices rotate 3f9a1c2b --scopes operator.read"];
  static override args = { deviceId: Args.string({ required: true, description: "device id, or any unambiguous prefix of it as `devices list` shows it" }) };
  static override flags = {
    ...connectionFlags,
    role: Flags.string({ options: ["operator", "node"], default: "operator", description: "token role" }),
    scopes: Flags.string({ description: "comma-separated scopes (default: the current token's)" }),
  };

  async run(): Promise<Result<"device.token.rotate">> {
    const { args, flags } = await this.parse(DevicesRotate);
    const role = flags.role === "node" ? "node" : "operator";
    const scopes = flags.scopes?.split(",").map((s) => s.trim()).filter(Boolean);
    const result = await this.withGateway(flags, async (c) =>
      c.call("device.token.rotate", { deviceId: await resolveDevice(c, args.deviceId), role, ...(scopes ? { scopes } : {}) }),
    );
    const own = await rememberOwnToken({ url: flags.url, env: process.env }, result.deviceId, result.role, result.token);
    this.log(`new ${result.role} token for ${result.deviceId.slice(0, 16)}… (shown once):\n${result.token}`);
    if (own) this.log("this is the CLI's own device: the new token is stored for its next connect");
    return result;
  }
}

import type { Result } from "@clawdbot/protocol";
import { GatewayCommand } from "../../gateway-command.js";
import { connectionFlags } from "../../gateway-link/flags.js";
import { formatDevices } from "../../format/pairing.js";

export default class DevicesList extends GatewayCommand {
  static override summary = "List paired devices and their tokens (metadata only).";
  static override flags = { ...connectionFlags };

  async run(): Promise<Result<"device.pair.list">["paired"]> {
    const { flags } = await this.parse(DevicesList);
    const { paired } = await this.withGateway(flags, (c) => c.call("device.pair.list"));
    this.log(formatDevices(paired));
    return paired;
  }
}

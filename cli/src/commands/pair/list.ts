import type { Result } from "@clawdbot/protocol";
import { GatewayCommand } from "../../gateway-command.js";
import { connectionFlags } from "../../gateway-link/flags.js";
import { formatPairList } from "../../format/pairing.js";

export default class PairList extends GatewayCommand {
  static override summary = "List pending device pairing requests.";
  static override flags = { ...connectionFlags };

  async run(): Promise<Result<"device.pair.list">> {
    const { flags } = await this.parse(PairList);
    const result = await this.withGateway(flags, (c) => c.call("device.pair.list"));
    this.log(formatPairList(result));
    return result;
  }
}

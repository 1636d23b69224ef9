import type { Result } from "@clawdbot/protocol";
import { GatewayCommand } from "../gateway-command.js";
import { connectionFlags } from "../gateway-link/flags.js";

/** The flags each switch declares itself: oclif's manifest reads only a command's own statics up to a base without any. */
export const heartbeatSwitchFlags = { ...connectionFlags };

/** `system heartbeat enable` / `disable`: set-heartbeats, which lasts until the gateway restarts. */
export abstract class HeartbeatSwitch extends GatewayCommand {
  /** What the command sets. */
  protected abstract readonly enabled: boolean;

  async run(): Promise<Result<"set-heartbeats">> {
    const { flags } = await this.parse(this.constructor as typeof GatewayCommand & { flags: typeof heartbeatSwitchFlags });
    const res = await this.withGateway(flags, (c) => c.call("set-heartbeats", { enabled: this.enabled }));
    this.log(`heartbeats ${res.enabled ? "on" : "off"}`);
    return res;
  }
}

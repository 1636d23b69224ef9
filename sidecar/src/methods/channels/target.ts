import { GatewayError } from "../../errors.js";
import type { ChannelRegistry } from "../../channels/registry.js";

/** Resolves `channel` + `to` (or a `to` prefixed like `telegram:123`) to a configured channel and chat id. */
export function resolveTarget(s: { channels: Pick<ChannelRegistry, "names"> }, to: string | undefined, channel: string | undefined): { channel: string; chatId: string } {
  if (!to) throw new GatewayError("params_invalid", "deliver needs `to` (e.g. telegram:123456)");
  const names = s.channels.names();
  let name = channel;
  let chatId = to;
  const prefix = to.indexOf(":");
  if (prefix > 0 && channel === undefined && /^[a-z]+$/.test(to.slice(0, prefix)) && !names.includes(to.slice(0, prefix))) {
    throw new GatewayError("not_found", `channel ${to.slice(0, prefix)} is not configured (configured: ${names.join(", ") || "none"}); add it under channels in clawdbot.json`);
  }
  if (prefix > 0 && names.includes(to.slice(0, prefix))) {
    if (name !== undefined && name !== to.slice(0, prefix)) {
      throw new GatewayError("params_invalid", `to names channel ${to.slice(0, prefix)} but channel is ${name}`);
    }
    name = to.slice(0, prefix);
    chatId = to.slice(prefix + 1);
  }
  if (name === undefined) {
    if (names.length === 1) name = names[0]!;
    else throw new GatewayError("params_invalid", `say which channel: pass channel or prefix to (configured: ${names.join(", ") || "none"})`);
  }
  if (!names.includes(name)) {
    throw new GatewayError("not_found", `channel ${name} is not configured (configured: ${names.join(", ") || "none"}); add it under channels in clawdbot.json`);
  }
  if (!chatId) throw new GatewayError("params_invalid", "`to` has no chat id");
  return { channel: name, chatId };
}

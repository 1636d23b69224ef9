import { Args, Flags } from "@oclif/core";
import QRCode from "qrcode";
import { check, EVENTS, type EventFrame, type Result } from "@clawdbot/protocol";
import { CHANNEL_MODULES } from "@clawdbot/sidecar/channels";
import { GatewayCommand } from "../../gateway-command.js";
import { connectionFlags } from "../../gateway-link/flags.js";
import { EXIT } from "../../gateway-link/exit-codes.js";

type Code = { qr?: string | undefined; pairingCode?: string | undefined; expiresAt?: number | undefined };

const HOW = "On your phone: WhatsApp → Settings → Linked devices → Link a device";

export default class ChannelsLogin extends GatewayCommand {
  static override summary = "Link a channel that runs as a linked device (WhatsApp): shows the QR code, replaced as it rotates, until linked.";
  static override description =
    "The running gateway owns the connection; this command drives it. With --phone, WhatsApp gives a code to type on the phone instead of a QR code (Link with phone number instead).";
  static override examples = ["<%= config.bin %> channels login whatsapp", "<%= config.bin %> channels login whatsapp --phone +15551234567 --account work"];
  static override args = { channel: Args.string({ required: true, description: "channel name", options: CHANNEL_MODULES.map((m) => m.id) }) };
  static override flags = {
    ...connectionFlags,
    account: Flags.string({ description: "account id (default: the channel's default account)" }),
    phone: Flags.string({ description: "link with a pairing code for this number (E.164, e.g. +15551234567) instead of a QR code" }),
    force: Flags.boolean({ description: "link again even if already linked" }),
    wait: Flags.integer({ description: "seconds to wait for the link", default: 180, min: 1 }),
  };

  async run(): Promise<Result<"web.login.wait">> {
    const { args, flags } = await this.parse(ChannelsLogin);
    const account = flags.account ? { accountId: flags.account } : {};
    const onEvent = (ev: EventFrame) => {
      if (ev.event !== "web.login.qr") return;
      const res = check(EVENTS["web.login.qr"], ev.payload);
      if (res.ok && res.value.channel === args.channel && (!flags.account || res.value.accountId === flags.account)) void this.show(res.value, true);
    };
    return this.withGateway(
      flags,
      async (client) => {
        const start = await client.call("web.login.start", { ...account, ...(flags.force ? { force: true } : {}), ...(flags.phone ? { phone: flags.phone } : {}), timeoutMs: 30_000 }, { timeoutMs: 40_000 });
        if (!start.qr && !start.pairingCode) {
          if (/already linked/.test(start.message)) {
            this.log(start.message);
            return { connected: true, message: start.message };
          }
          return this.failWith("login_failed", start.message, EXIT.error);
        }
        await this.show(start, false);
        const done = await client.call("web.login.wait", { ...account, timeoutMs: flags.wait * 1000 }, { timeoutMs: flags.wait * 1000 + 10_000 });
        if (!done.connected) return this.failWith("login_failed", done.message, EXIT.error);
        this.log(`${args.channel}: ${done.message}`);
        return done;
      },
      { onEvent },
    );
  }

  /** Draws the code; on a terminal a rotated one replaces the last. */
  private async show(code: Code, rotated: boolean): Promise<void> {
    if (this.jsonEnabled()) return;
    const ttl = code.expiresAt ? Math.max(1, Math.round((code.expiresAt - Date.now()) / 1000)) : undefined;
    if (code.pairingCode) {
      this.log(`Pairing code: ${code.pairingCode}`);
      this.log(`${HOW} → Link with phone number instead, and type the code.${ttl ? ` It is valid for about ${ttl} s.` : ""}`);
      return;
    }
    if (!code.qr) return;
    if (rotated && process.stdout.isTTY) process.stdout.write("\x1b[2J\x1b[H");
    const art = await QRCode.toString(code.qr, { type: "terminal", small: true });
    this.log(art);
    this.log(`${HOW}, then scan this code.${ttl ? ` It expires in ${ttl} s; a new one replaces it automatically.` : ""}`);
    this.log("Waiting for the phone… (Ctrl-C to stop)");
  }
}

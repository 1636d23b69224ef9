import { Args, Flags } from "@oclif/core";
import { randomUUID } from "node:crypto";
import type { Result } from "@clawdbot/protocol";
import { GatewayCommand } from "../gateway-command.js";
import { connectionFlags } from "../gateway-link/flags.js";

export default class Send extends GatewayCommand {
  static override summary = "Send a message out on a channel.";
  static override examples = [
    '<%= config.bin %> send --channel telegram --to 123456 "hello"',
    '<%= config.bin %> send --to telegram:123456 "hello" --media ./photo.jpg',
  ];
  static override args = { message: Args.string({ required: true, description: "text to send" }) };
  static override flags = {
    ...connectionFlags,
    to: Flags.string({ required: true, description: "chat id, or channel:chatId" }),
    channel: Flags.string({ description: "channel name (telegram, …)" }),
    account: Flags.string({ description: "channel account id (default: the channel's default account)" }),
    media: Flags.string({ description: "media URL or file path on the gateway host", multiple: true }),
    "idempotency-key": Flags.string({ description: "retry-safe key (default: random)" }),
  };

  async run(): Promise<Result<"send">> {
    const { args, flags } = await this.parse(Send);
    const result = await this.withGateway(flags, (c) =>
      c.call("send", {
        to: flags.to,
        message: args.message,
        idempotencyKey: flags["idempotency-key"] ?? randomUUID(),
        ...(flags.channel ? { channel: flags.channel } : {}),
        ...(flags.account ? { accountId: flags.account } : {}),
        ...(flags.media ? { mediaUrls: flags.media } : {}),
      }),
    );
    this.log(
      result.status === "sent"
        ? `sent to ${result.channel}:${result.to}, id ${result.messageId}`
        : `queued, id ${result.messageId}, for ${result.channel}:${result.to} (stored; retried until delivered)`,
    );
    return result;
  }
}

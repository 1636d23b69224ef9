import type { GatewayClient } from "@clawdbot/protocol/client";
import { ClawdbotCommand } from "./command.js";
import { openGateway, type LinkOptions } from "./gateway-link/connect.js";

type ConnFlags = { url?: string | undefined; token?: string | undefined; "token-file"?: string | undefined; password?: string | undefined; timeout: number; "tls-fingerprint"?: string | undefined };

/** Base for commands that talk to a running gateway: connects, runs, maps failures to exit codes. */
export abstract class GatewayCommand extends ClawdbotCommand {
  /** Connects with the common flags, runs `fn`, always closes the socket. */
  protected async withGateway<T>(flags: ConnFlags, fn: (client: GatewayClient) => Promise<T>, extra: Partial<LinkOptions> = {}): Promise<T> {
    let client: GatewayClient | undefined;
    try {
      client = await openGateway({
        url: flags.url,
        token: flags.token ?? flags["token-file"],
        password: flags.password,
        timeout: flags.timeout,
        tlsFingerprint: flags["tls-fingerprint"],
        env: process.env,
        ...extra,
      });
      return await fn(client);
    } catch (err) {
      return this.fail(err);
    } finally {
      client?.close();
    }
  }
}

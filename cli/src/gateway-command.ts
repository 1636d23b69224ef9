import { Command, Errors, type Interfaces } from "@oclif/core";
import { GatewayConnectError, GatewayRequestError, type GatewayClient } from "@clawdbot/protocol/client";
import { openGateway, type LinkOptions } from "./gateway-link/connect.js";
import { EXIT, exitCodeFor } from "./gateway-link/exit-codes.js";

type ConnFlags = { url?: string | undefined; token?: string | undefined; password?: string | undefined; timeout: number; "tls-fingerprint"?: string | undefined };

/** Base for commands that talk to a running gateway: connects, runs, maps failures to exit codes. */
export abstract class GatewayCommand extends Command {
  static override enableJsonFlag = true;

  /** An explicit exit is not an error to report again (oclif would print it as JSON). */
  protected override async catch(err: Interfaces.CommandError): Promise<unknown> {
    if (err instanceof Errors.ExitError) throw err;
    if (err instanceof Errors.CLIError) {
      // Flag/argument problems and this.error(): one line (or JSON), never oclif's dump of its config.
      const exit = err.oclif?.exit ?? EXIT.error;
      const line = err.message.split("\n")[0] ?? err.message;
      return this.failWith(exit === EXIT.usage ? "usage" : "error", line.replace(/^Error: /, ""), exit);
    }
    return super.catch(err);
  }

  /** Connects with the common flags, runs `fn`, always closes the socket. */
  protected async withGateway<T>(flags: ConnFlags, fn: (client: GatewayClient) => Promise<T>, extra: Partial<LinkOptions> = {}): Promise<T> {
    let client: GatewayClient | undefined;
    try {
      client = await openGateway({
        url: flags.url,
        token: flags.token,
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

  /** One line on stderr (or a JSON error with --json) and the matching exit code. */
  protected fail(err: unknown): never {
    if (err instanceof GatewayConnectError) this.failWith(err.failure, describeConnectError(err), exitCodeFor(err.failure));
    if (err instanceof GatewayRequestError) this.failWith(err.code, `${err.code}: ${err.message}`, EXIT.requestFailed);
    throw err;
  }

  /** A `--params`-style JSON flag; invalid JSON is a usage error (exit 2) naming the flag. */
  protected jsonFlag(name: string, value: string | undefined): unknown {
    if (value === undefined) return undefined;
    try {
      return JSON.parse(value) as unknown;
    } catch (err) {
      return this.failWith("usage", `--${name} is not valid JSON: ${(err as Error).message}`, EXIT.usage);
    }
  }

  /** Prints the failure as one stderr line (or a JSON object with --json) and exits. */
  protected failWith(code: string, message: string, exit: number): never {
    if (this.jsonEnabled()) this.logJson({ error: { code, message } });
    else process.stderr.write(`clawdbot: ${message}\n`);
    return this.exit(exit);
  }
}

function describeConnectError(err: GatewayConnectError): string {
  switch (err.failure) {
    case "unreachable":
      return `${err.message} (is the gateway running? start it with \`clawdbot gateway\`)`;
    case "pairing-required":
      return err.message;
    case "unauthorized":
      return `${err.message}`;
    default:
      return err.message;
  }
}

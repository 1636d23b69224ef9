import { Command, Errors, type Interfaces } from "@oclif/core";
import { CliError, describeFailure, usageError } from "./cli-error.js";
import { exitFor, type ErrorCode } from "./gateway-link/exit-codes.js";

/**
 * Base of every `clawdbot` command: `--json`, and every failure — a parse error, a gateway's
 * refusal, a bug — printed as one line on stderr (or `{"error":{"code","message"}}` on stdout with
 * --json) and exited with the code README.md documents for it.
 */
export abstract class ClawdbotCommand extends Command {
  static override enableJsonFlag = true;

  protected override async catch(err: Interfaces.CommandError): Promise<unknown> {
    // An explicit exit is not an error to report again.
    if (err instanceof Errors.ExitError) throw err;
    return this.fail(err);
  }

  /** Reports any failure with its documented code and exit status. */
  protected fail(err: unknown): never {
    if (err instanceof Errors.ExitError) throw err;
    const c = this.ctor;
    const { code, message } = describeFailure(err, { id: this.id ?? c.id, args: c.args, flags: c.flags, examples: c.examples, enableJsonFlag: c.enableJsonFlag });
    return this.failWith(code, message);
  }

  /** Prints the failure as one stderr line (or a JSON object with --json) and exits (by default with the code's documented exit). */
  protected failWith(code: ErrorCode | (string & {}), message: string, exit: number = exitFor(code)): never {
    if (this.jsonEnabled()) this.logJson({ error: { code, message } });
    else process.stderr.write(`clawdbot: ${message}\n`);
    return this.exit(exit);
  }

  /** A flag holding JSON; invalid JSON is a usage error (exit 2) naming the flag. */
  protected jsonFlag(name: string, value: string | undefined): unknown {
    if (value === undefined) return undefined;
    try {
      return JSON.parse(value) as unknown;
    } catch (err) {
      throw usageError(`--${name} is not valid JSON: ${(err as Error).message}; pass an object such as '{"key":"value"}'`);
    }
  }

  /** A `--params`-style flag that must hold a JSON object (method params are objects). */
  protected jsonObjectFlag(name: string, value: string | undefined): Record<string, unknown> | undefined {
    const parsed = this.jsonFlag(name, value);
    if (parsed === undefined) return undefined;
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw usageError(`--${name} must be a JSON object such as '{"key":"value"}', got ${Array.isArray(parsed) ? "an array" : JSON.stringify(parsed)}`);
    }
    return parsed as Record<string, unknown>;
  }
}

export { CliError, usageError };

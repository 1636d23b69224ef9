import { Errors } from "@oclif/core";
import { describeRunFailure, oneLine } from "./failure.js";
import { describeParseError, type CommandShape } from "./usage.js";

export { CliError, usageError, oneLine } from "./failure.js";

/** Any failure as the documented `{code, message}` pair (the message is one line). */
export function describeFailure(err: unknown, cmd: CommandShape): { code: string; message: string } {
  const { code, message } = classify(err, cmd);
  return { code, message: oneLine(message) };
}

function classify(err: unknown, cmd: CommandShape): { code: string; message: string } {
  if (err instanceof Errors.CLIError) {
    // oclif's own errors: parse failures, this.error(); exit 2 is its usage code.
    const exit = err.oclif?.exit ?? 2;
    return { code: exit === 2 ? "usage" : "error", message: describeParseError(err, cmd) };
  }
  return describeRunFailure(err);
}

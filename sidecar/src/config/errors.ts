/** A configuration problem that stops the gateway from starting; the message says what to fix. */
export class ConfigError extends Error {
  /** Each problem on its own (the message joins them); for `doctor` and `--json`. */
  readonly problems: readonly string[];
  constructor(message: string, problems: readonly string[] = [message]) {
    super(message);
    this.name = "ConfigError";
    this.problems = problems;
  }

  /** One error naming every problem found in `path`. */
  static all(path: string, problems: readonly string[]): ConfigError {
    const head = problems.length === 1 ? "invalid config" : `${problems.length} problems`;
    return new ConfigError(`${path}: ${head}: ${problems.join("; ")}`, problems);
  }
}

import { nearest } from "@clawdbot/sidecar/config";

/** What a usage message needs to know about the command that was run. */
export interface CommandShape {
  /** oclif id (`pair:approve`). */
  readonly id: string;
  readonly args?: Readonly<Record<string, { description?: string | undefined; required?: boolean | undefined }>>;
  readonly flags?: Readonly<Record<string, { description?: string | undefined; char?: string | undefined; hidden?: boolean | undefined }>>;
  readonly examples?: readonly (string | { command: string })[] | undefined;
  readonly enableJsonFlag?: boolean | undefined;
}

const BIN = "clawdbot";

/** `pair:approve` → `clawdbot pair approve`. */
export function commandLine(id: string): string {
  return `${BIN} ${id.replace(/:/g, " ")}`;
}

/** oclif's ANSI colours and "See more help" trailers, gone. */
function plain(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, "").replace(/\n?See more help with --help\s*$/, "").trim();
}

function firstExample(cmd: CommandShape): string | undefined {
  const ex = cmd.examples?.[0];
  const text = typeof ex === "string" ? ex : ex?.command;
  return text?.replace(/<%=\s*config\.bin\s*%>/g, BIN);
}

function helpHint(cmd: CommandShape): string {
  const ex = firstExample(cmd);
  return ex ? `e.g. \`${ex}\`` : `see \`${commandLine(cmd.id)} --help\``;
}

function described(desc: string | undefined): string {
  return desc ? ` (${desc})` : "";
}

/**
 * One line for an oclif parse failure, saying what is wrong and what to do instead of oclif's
 * multi-line text (which the CLI used to cut to its useless first line).
 */
export function describeParseError(err: Error, cmd: CommandShape): string {
  const name = err.constructor.name;
  const text = plain(err.message);
  const where = `\`${commandLine(cmd.id)}\``;
  if (name === "RequiredArgsError") {
    const missing = ((err as unknown as { args?: { name?: string; description?: string }[] }).args ?? []).filter((a) => a.name);
    const list = missing.map((a) => `${a.name!.toUpperCase()}${described(a.description)}`).join(" and ");
    return `${where} needs ${list || "more arguments"}; ${helpHint(cmd)}`;
  }
  if (name === "UnexpectedArgsError") {
    const extra = (err as unknown as { args?: string[] }).args ?? [];
    const takes = Object.keys(cmd.args ?? {}).length;
    return `unexpected argument${extra.length === 1 ? "" : "s"} ${extra.map((a) => JSON.stringify(a)).join(", ")} for ${where} (it takes ${takes === 0 ? "none" : `at most ${takes}`}; quote text with spaces); ${helpHint(cmd)}`;
  }
  if (name === "NonExistentFlagsError") {
    const flags = (err as unknown as { flags?: string[] }).flags ?? [];
    const first = flags[0] ?? "";
    const known = [
      ...Object.entries(cmd.flags ?? {})
        .filter(([, f]) => !f.hidden)
        .map(([n]) => `--${n}`),
      ...(cmd.enableJsonFlag ? ["--json"] : []),
    ];
    const guess = first.startsWith("--") ? nearest(first.split("=")[0]!, known) : undefined;
    const near = guess !== undefined ? `did you mean ${guess}? ` : "";
    return `unknown flag ${flags.join(", ")} for ${where}; ${near}see \`${commandLine(cmd.id)} --help\``;
  }
  if (name === "FailedFlagValidationError" || name === "ViolatedFlagConstraintError") {
    const reasons = text.split("\n").slice(1).map((l) => l.trim()).filter(Boolean);
    const missing = reasons.map((r) => /^Missing required flag (\S+)/.exec(r)?.[1]).filter((n): n is string => n !== undefined);
    if (missing.length > 0) {
      const list = missing.map((n) => `--${n}${described(cmd.flags?.[n]?.description)}`).join(" and ");
      return `${where} needs ${list}; ${helpHint(cmd)}`;
    }
    return `${reasons.join("; ") || text}; see \`${commandLine(cmd.id)} --help\``;
  }
  const parsing = /^Parsing --(\S+)\s*\n\s*(.*)$/s.exec(text);
  if (parsing) return `--${parsing[1]}: ${flagProblem(parsing[2]!.split("\n")[0]!.trim())}`;
  const option = /^Expected --(\S+?)=(.*) to be one of: (.*)$/.exec(text);
  if (option) return `--${option[1]} must be one of ${option[3]} (got ${JSON.stringify(option[2])})`;
  const argOption = /^Expected (.*) to be one of: (.*)$/.exec(text);
  if (argOption) return `${JSON.stringify(argOption[1])} is not one of ${argOption[2]}; ${helpHint(cmd)}`;
  return text.split("\n")[0] ?? text;
}

/** oclif's integer-flag complaints in our words. */
function flagProblem(reason: string): string {
  const notInt = /^Expected an integer but received: (.*)$/.exec(reason);
  if (notInt) return `expects a whole number, got ${JSON.stringify(notInt[1])}`;
  const min = /^Expected an integer greater than or equal to (\S+) but received: (.*)$/.exec(reason);
  if (min) return `must be at least ${min[1]}, got ${min[2]}`;
  const max = /^Expected an integer less than or equal to (\S+) but received: (.*)$/.exec(reason);
  if (max) return `must be at most ${max[1]}, got ${max[2]}`;
  return reason.replace(/^Error: /, "");
}

/**
 * The command closest to what was typed (`pair lst` → `pair list`), or undefined when nothing is
 * close. Within a topic that exists, only its commands are considered.
 */
export function suggestCommand(typed: string, ids: readonly string[]): string | undefined {
  const [topic] = typed.split(":");
  const inTopic = ids.filter((id) => id.startsWith(`${topic}:`));
  const pool = typed.includes(":") && inTopic.length > 0 ? inTopic : ids;
  return nearest(typed, pool);
}

import type { Hook } from "@oclif/core";
import { commandLine, suggestCommand } from "../usage.js";

/** An unknown command or topic: one line naming the closest command, exit 2 (usage). */
const hook: Hook<"command_not_found"> = async function (opts) {
  const ids = opts.config.commands.filter((c) => !c.hidden).map((c) => c.id);
  const message = explain(opts.id, ids);
  if (opts.argv?.includes("--json")) process.stdout.write(`${JSON.stringify({ error: { code: "usage", message } }, null, 2)}\n`);
  else process.stderr.write(`clawdbot: ${message}\n`);
  this.exit(2);
};

function explain(id: string, ids: readonly string[]): string {
  const words = id.split(":");
  // `health extra`: oclif folds the stray word into the id when the command takes no arguments.
  for (let n = words.length - 1; n > 0; n--) {
    const prefix = words.slice(0, n).join(":");
    if (!ids.includes(prefix)) continue;
    const extra = words.slice(n).map((w) => JSON.stringify(w)).join(", ");
    return `unexpected argument ${extra} for \`${commandLine(prefix)}\` (it takes none); see \`${commandLine(prefix)} --help\``;
  }
  const guess = suggestCommand(id, ids);
  const hint = guess ? `did you mean \`${commandLine(guess)}\`?` : "run `clawdbot help` for the list of commands";
  return `unknown command \`${words.join(" ")}\`; ${hint}`;
}

export default hook;

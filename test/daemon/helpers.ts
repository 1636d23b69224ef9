// Shared pieces of the daemon tests: a host under a temp HOME, a recording command runner, small parsers.
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { TestContext } from "node:test";
import { RUN_JS, TEMPLATES_DIR, type CommandOutcome, type CommandRunner, type DaemonHost, type Platform } from "../../cli/src/daemon/index.js";

export const NOW = 1_760_000_000_000;

/** A temp dir whose path has spaces in it (removed when the test ends). */
export async function spacedTempDir(t: TestContext, label = "home dir"): Promise<string> {
  const base = await mkdtemp(join(tmpdir(), "clawdbot daemon-"));
  t.after(() => rm(base, { recursive: true, force: true }));
  const dir = join(base, label);
  await mkdir(dir, { recursive: true });
  return dir;
}

/** A host whose HOME and state dir are temp dirs with spaces; nothing of the real user is touched. */
export async function testHost(t: TestContext, platform: Platform, overrides: Partial<DaemonHost> = {}): Promise<DaemonHost> {
  const home = await spacedTempDir(t);
  return {
    platform,
    home,
    uid: 501,
    user: "tester",
    stateDir: join(home, "state & dir"),
    nodePath: process.execPath,
    runJs: RUN_JS,
    templatesDir: TEMPLATES_DIR,
    pathEnv: `${dirname(process.execPath)}:/usr/bin:/bin`,
    now: () => NOW,
    ...overrides,
  };
}

/** Records every command; answers from `respond` (default: exit 0, no output). */
export class FakeRunner implements CommandRunner {
  readonly calls: string[][] = [];
  readonly attached: string[][] = [];

  constructor(private readonly respond: (argv: readonly string[]) => Partial<CommandOutcome> = () => ({})) {}

  async capture(argv: readonly string[]): Promise<CommandOutcome> {
    this.calls.push([...argv]);
    return { code: 0, stdout: "", stderr: "", ...this.respond(argv) };
  }

  async attach(argv: readonly string[]): Promise<number | null> {
    this.attached.push([...argv]);
    return 0;
  }
}

/** `[section] key=value` lines → section → key → values in order (keys like Environment repeat). */
export function parseIni(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      current = new Map();
      sections.set(header[1]!, current);
      continue;
    }
    const eq = line.indexOf("=");
    if (eq < 0 || current === undefined) throw new Error(`not an INI line: ${raw}`);
    const key = line.slice(0, eq);
    current.set(key, [...(current.get(key) ?? []), line.slice(eq + 1)]);
  }
  return sections;
}

/**
 * systemd's reading of a quoted command line or Environment= value (systemd.syntax "Quoting",
 * systemd.service "Command lines"): words split on blanks, "…" and '…' quoting, C escapes inside,
 * then %% → % (specifiers) and, for command lines, $$ → $ (variable expansion).
 */
export function systemdWords(value: string, opts: { dollars: boolean }): string[] {
  const words: string[] = [];
  let i = 0;
  const esc: Record<string, string> = { n: "\n", t: "\t", r: "\r", "\\": "\\", '"': '"', "'": "'", " ": " " };
  while (i < value.length) {
    while (value[i] === " " || value[i] === "\t") i++;
    if (i >= value.length) break;
    let word = "";
    let quote: string | undefined;
    for (; i < value.length; i++) {
      const c = value[i]!;
      if (quote === undefined && (c === " " || c === "\t")) break;
      if (c === "\\") {
        const next = value[++i];
        if (next === undefined || esc[next] === undefined) throw new Error(`unsupported escape \\${next ?? ""} in ${value}`);
        word += esc[next];
      } else if (quote === undefined && (c === '"' || c === "'")) quote = c;
      else if (c === quote) quote = undefined;
      else word += c;
    }
    if (quote !== undefined) throw new Error(`unterminated quote in ${value}`);
    word = word.replace(/%(.)/g, (_m, s: string) => {
      if (s !== "%") throw new Error(`specifier %${s} in ${value}`);
      return "%";
    });
    words.push(opts.dollars ? word.replace(/\$\$/g, "$") : word);
  }
  return words;
}

// Every command of the built CLI, run with bad input: one complete line (or one JSON error object),
// a code from the documented set, and the exit code README.md lists for it. No gateway is needed:
// bad input is refused before anything is sent.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { CLI_ERRORS, exitFor, wireCodes } from "../../cli/src/gateway-link/exit-codes.js";
import { execFile } from "node:child_process";
import { cliEnv, freePort, jsonOut, lines, runCli, tempDir, type CliResult } from "./run-cli.js";

interface ManifestCommand {
  id: string;
  args: Record<string, { required?: boolean }>;
  flags: Record<string, { type: string; required?: boolean; hidden?: boolean; options?: string[] }>;
}

const manifestPath = fileURLToPath(new URL("../../cli/oclif.manifest.json", import.meta.url));
const readmePath = fileURLToPath(new URL("../../README.md", import.meta.url));

async function commands(): Promise<ManifestCommand[]> {
  const m = JSON.parse(await readFile(manifestPath, "utf8")) as { commands: Record<string, ManifestCommand> };
  return Object.values(m.commands).filter((c) => c.id !== "help");
}

const words = (id: string) => id.split(":");
const shown = (id: string) => `clawdbot ${words(id).join(" ")}`;

/** One line on stderr starting `clawdbot: `, nothing on stdout, the documented exit code. */
function assertLine(r: CliResult, exit: number, pattern: RegExp, what: string): void {
  const detail = `${what}: exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
  assert.equal(r.code, exit, detail);
  assert.equal(r.stdout, "", detail);
  const err = lines(r.stderr);
  assert.equal(err.length, 1, detail);
  assert.match(err[0]!, /^clawdbot: \S/, detail);
  assert.match(err[0]!, pattern, detail);
}

/** `{"error":{"code","message"}}` and nothing else on stdout, with a code from the documented set. */
function assertJson(r: CliResult, code: string, pattern: RegExp, what: string): void {
  const detail = `${what}: exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
  const body = jsonOut<{ error: { code: string; message: string } }>(r);
  assert.deepEqual(Object.keys(body), ["error"], detail);
  assert.deepEqual(Object.keys(body.error).sort(), ["code", "message"], detail);
  assert.equal(body.error.code, code, detail);
  assert.match(body.error.message, pattern, detail);
  assert.ok(!body.error.message.includes("\n"), `${what}: the message is one line`);
  assert.equal(r.code, exitFor(code), detail);
}

const harness = fileURLToPath(new URL("./in-process.ts", import.meta.url));

/** Runs every command line through oclif's `run` in one child process (see in-process.ts). */
function runMany(cases: readonly string[][], stateDir: string): Promise<CliResult[]> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["--import", "tsx", harness, JSON.stringify(cases)],
      { env: cliEnv(stateDir), timeout: 240_000, maxBuffer: 64 * 1024 * 1024, encoding: "utf8" },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`harness failed: ${err.message}\n${stderr}`));
        resolve((JSON.parse(stdout) as { code: number; stdout: string; stderr: string }[]).map((r) => ({ code: r.code, stdout: r.stdout, stderr: r.stderr })));
      },
    );
  });
}

test("every command: an unknown flag is exit 2 with one line naming the flag and the command (and code usage with --json)", async (t) => {
  const stateDir = await tempDir(t);
  const all = await commands();
  assert.ok(all.length > 35, `found ${all.length} commands`);
  const texts = await runMany(all.map((c) => [...words(c.id), "--no-such-flag"]), stateDir);
  const withJson = all.filter((c) => "json" in c.flags);
  assert.ok(withJson.length > 30, `${withJson.length} commands take --json`);
  const jsons = await runMany(withJson.map((c) => [...words(c.id), "--no-such-flag", "--json"]), stateDir);
  const pattern = (id: string) => new RegExp(`unknown flag --no-such-flag for \`${shown(id)}\`; see \`${shown(id)} --help\``);
  all.forEach((c, i) => assertLine(texts[i]!, 2, pattern(c.id), `${c.id} --no-such-flag`));
  withJson.forEach((c, i) => assertJson(jsons[i]!, "usage", pattern(c.id), `${c.id} --no-such-flag --json`));
});

test("every command with required arguments or flags: leaving them out is exit 2 naming each one", async (t) => {
  const stateDir = await tempDir(t);
  const needy = (await commands()).filter((c) => Object.values(c.args).some((a) => a.required) || Object.values(c.flags).some((f) => f.required));
  assert.ok(needy.length > 15, `found ${needy.length}`);
  const results = await runMany(needy.map((c) => words(c.id)), stateDir);
  needy.forEach((c, i) => {
    const r = results[i]!;
    assertLine(r, 2, new RegExp(`^clawdbot: \`${shown(c.id)}\` needs .*(e\\.g\\. \`clawdbot |see \`${shown(c.id)} --help\`)`), `${c.id} without arguments`);
    // oclif reports missing arguments before missing flags: every missing argument is named, or else every missing flag.
    const args = Object.entries(c.args).filter(([, a]) => a.required).map(([n]) => n.toUpperCase());
    const flags = Object.entries(c.flags).filter(([, f]) => f.required).map(([n]) => `--${n}`);
    for (const name of args.length > 0 ? args : flags) assert.ok(r.stderr.includes(name), `${c.id}: ${name} not named in ${r.stderr}`);
  });
});

test("every integer flag: a value that is not a number is exit 2 naming the flag and the value", async (t) => {
  const stateDir = await tempDir(t);
  // The manifest does not say which flags are integers; these names are, in every command that has them.
  const integers = ["timeout", "port", "count", "lines", "canvas-port"];
  const cases = (await commands()).flatMap((c) =>
    Object.keys(c.flags)
      .filter((name) => integers.includes(name))
      .slice(0, 1)
      .map((name) => ({ c, name })),
  );
  assert.ok(cases.length > 25, `found ${cases.length}`);
  const results = await runMany(cases.map(({ c, name }) => [...words(c.id), `--${name}`, "abc"]), stateDir);
  cases.forEach(({ c, name }, i) => assertLine(results[i]!, 2, new RegExp(`^clawdbot: --${name}: expects a whole number, got "abc"$`), `${c.id} --${name} abc`));
});

test("the cases new users hit: each complete, with the documented code and exit", async (t) => {
  const stateDir = await tempDir(t);
  const dead = `ws://127.0.0.1:${await freePort()}`;
  const cases: { args: string[]; code: string; message: RegExp }[] = [
    { args: ["send", "hi"], code: "usage", message: /`clawdbot send` needs --to \(chat id, or channel:chatId\); e\.g\. `clawdbot send / },
    { args: ["call"], code: "usage", message: /`clawdbot call` needs METHOD \(method name, e\.g\. health\)/ },
    { args: ["health", "--timeout", "abc"], code: "usage", message: /^--timeout: expects a whole number, got "abc"$/ },
    { args: ["health", "--timeout", "0"], code: "usage", message: /^--timeout: must be at least 1, got 0$/ },
    { args: ["health", "--url", "nope"], code: "usage", message: /^--url "nope" is not a gateway URL; use ws:\/\/host:port or wss:\/\/host:port/ },
    { args: ["status", "--url", "http://127.0.0.1:18789"], code: "usage", message: /the socket of 127\.0\.0\.1:18789 is ws:\/\/127\.0\.0\.1:18789/ },
    { args: ["call", "health", "--params", "[1]"], code: "usage", message: /^--params must be a JSON object such as .*, got an array$/ },
    { args: ["call", "health", "--params", "{"], code: "usage", message: /^--params is not valid JSON/ },
    { args: ["agent", "hi", "--deliver"], code: "usage", message: /^--deliver needs --to, the chat the reply goes to/ },
    { args: ["health", "--token", "short"], code: "usage", message: /^--token: is 5 characters long; a gateway secret has at least 8/ },
    { args: ["devices", "revoke", "abc", "--role", "admin"], code: "usage", message: /^--role must be one of operator, node \(got "admin"\)$/ },
    { args: ["health", "extra"], code: "usage", message: /^unexpected argument "extra" for `clawdbot health` \(it takes none\)/ },
    { args: ["health", "--jsn"], code: "usage", message: /did you mean --json\?/ },
    { args: ["pair", "approve"], code: "usage", message: /^name a request id \(see `clawdbot pair list`\) or pass --latest$/ },
    { args: ["health", "--url", dead], code: "unreachable", message: /^gateway unreachable: .*ECONNREFUSED.*is the gateway running\? start it with `clawdbot gateway`/ },
  ];
  const texts = await runMany(cases.map((c) => c.args), stateDir);
  const jsons = await runMany(cases.map((c) => [...c.args, "--json"]), stateDir);
  cases.forEach(({ args, code, message }, i) => {
    assertLine(texts[i]!, exitFor(code), new RegExp(message.source.replace(/^\^/, "^clawdbot: ")), args.join(" "));
    assertJson(jsons[i]!, code, message, `${args.join(" ")} --json`);
  });
  // The same through bin/run.js as a user runs it: the process exit code is the documented one.
  for (const i of [0, 4, 6, cases.length - 1]) {
    const { args, code, message } = cases[i]!;
    assertLine(await runCli(args, { stateDir }), exitFor(code), new RegExp(message.source.replace(/^\^/, "^clawdbot: ")), `bin/run.js ${args.join(" ")}`);
  }
});

test("an unknown command or topic suggests the closest one (exit 2)", async (t) => {
  const stateDir = await tempDir(t);
  const cases: [string[], RegExp][] = [
    [["pair", "lst"], /^clawdbot: unknown command `pair lst`; did you mean `clawdbot pair list`\?$/],
    [["help", "pair", "lst"], /^clawdbot: unknown command `pair lst`; did you mean `clawdbot pair list`\?$/],
    [["stauts"], /^clawdbot: unknown command `stauts`; did you mean `clawdbot status`\?$/],
    [["devcies", "list"], /did you mean `clawdbot devices list`\?$/],
    [["frobnicate"], /^clawdbot: unknown command `frobnicate`; run `clawdbot help` for the list of commands$/],
  ];
  const results = await runMany(cases.map(([args]) => args), stateDir);
  cases.forEach(([args, pattern], i) => assertLine(results[i]!, 2, pattern, args.join(" ")));
  assertLine(await runCli(["pair", "lst"], { stateDir }), 2, cases[0]![1], "bin/run.js pair lst");
  const j = await runCli(["pair", "lst", "--json"], { stateDir });
  assert.equal(j.code, 2);
  assert.deepEqual(jsonOut(j), { error: { code: "usage", message: "unknown command `pair lst`; did you mean `clawdbot pair list`?" } });
});

test("-h, --help, help <command>, -v and --version", async (t) => {
  const stateDir = await tempDir(t);
  const version = /^clawdbot\/\d+\.\d+\.\d+ /;
  for (const flag of ["-v", "--version"]) {
    const r = await runCli([flag], { stateDir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, version);
  }
  for (const args of [["-h"], ["--help"], ["help"]]) {
    const r = await runCli(args, { stateDir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\s+status\s+\S/m, `${args.join(" ")}: ${r.stdout}`);
    assert.match(r.stdout, /^\s+pair\s+\S/m);
  }
  for (const args of [["help", "pair", "approve"], ["pair", "approve", "-h"], ["pair", "approve", "--help"]]) {
    const r = await runCli(args, { stateDir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\$ clawdbot pair approve \[REQUESTID\]/, `${args.join(" ")}: ${r.stdout}`);
    assert.match(r.stdout, /--latest/);
  }
  const topic = await runCli(["help", "devices"], { stateDir });
  assert.equal(topic.code, 0, topic.stderr);
  assert.match(topic.stdout, /devices rotate/);
});

test("README.md lists every error code with its exit code, and nothing else", async () => {
  const readme = await readFile(readmePath, "utf8");
  const section = /\n### Exit codes and error codes\n([\s\S]*?)\n#/.exec(readme)?.[1];
  assert.ok(section, "README.md has an `### Exit codes and error codes` section");
  const rows = [...section.matchAll(/^\| `([A-Za-z_-]+)` \| (\d+) \|/gm)].map((m) => [m[1]!, Number(m[2])] as const);
  const documented = new Map(rows);
  const expected = new Map<string, number>([
    ...Object.entries(CLI_ERRORS).map(([code, e]) => [code, e.exit] as const),
    ...wireCodes().map((w) => [w.code, w.exit] as const),
  ]);
  assert.deepEqual(
    [...documented.entries()].sort(),
    [...expected.entries()].sort(),
    "the README table must equal CLI_ERRORS (cli/src/gateway-link/exit-codes.ts) plus the protocol's codes",
  );
});

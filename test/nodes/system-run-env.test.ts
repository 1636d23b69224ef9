// system.run's caller-supplied environment against a real bash script: only names the node's
// config allows get through; variables that make bash, the loader or an interpreter run other code
// are refused even when the node's config lists them. Each payload below is first shown to run
// code when set directly, so a refusal is what stops it.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { access, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { NodeCommandError, NodeConfigError, ProgramAllowlist, SystemRunner, parseNodeConfig } from "../../cli/src/node-host/index.js";
import { tempDir } from "../cli/run-cli.js";
import { gateway, rejection } from "./support/fixtures.js";
import { connectOperator, invoke, spawnNodeHost } from "./support/node-host.js";

const PATH = process.env["PATH"] ?? "/usr/bin:/bin";

interface Fixture {
  dir: string;
  script: string;
  marker: string;
  /** Payload environments keyed by the variable under test. */
  payloads: Record<string, Record<string, string>>;
}

/** A bash script that calls `date` and node (as scripts do), plus payloads that would make it touch `marker`. */
async function fixture(t: TestContext): Promise<Fixture> {
  const dir = await tempDir(t, "clawdbot-env-");
  const marker = join(dir, "PWNED");
  const script = join(dir, "report.sh");
  await writeFile(script, `#!/bin/bash\ndate >/dev/null\n"${process.execPath}" -e 0\necho "greeting=$GREETING"\n`, { mode: 0o755 });
  const bin = join(dir, "bin");
  await mkdir(bin);
  await writeFile(join(bin, "date"), `#!/bin/sh\ntouch '${marker}'\n`, { mode: 0o755 });
  const rc = join(dir, "rc.sh");
  await writeFile(rc, `touch '${marker}'\n`);
  const js = join(dir, "hook.cjs");
  await writeFile(js, `require("fs").writeFileSync(${JSON.stringify(marker)}, "")\n`);
  const touch = `touch '${marker}'`;
  return {
    dir,
    script,
    marker,
    payloads: {
      "BASH_FUNC_date%%": { "BASH_FUNC_date%%": `() { ${touch}; }` },
      BASH_FUNC_date: { BASH_FUNC_date: `() { ${touch}; }` },
      PATH: { PATH: `${bin}:${PATH}` },
      BASH_ENV: { BASH_ENV: rc },
      ENV: { ENV: rc },
      SHELLOPTS: { SHELLOPTS: "xtrace" },
      PS4: { PS4: `$(${touch})` },
      NODE_OPTIONS: { NODE_OPTIONS: `--require ${js}` },
      NODE_PATH: { NODE_PATH: dir },
      LD_PRELOAD: { LD_PRELOAD: join(dir, "evil.so") },
      LD_LIBRARY_PATH: { LD_LIBRARY_PATH: dir },
      LD_AUDIT: { LD_AUDIT: join(dir, "evil.so") },
      DYLD_INSERT_LIBRARIES: { DYLD_INSERT_LIBRARIES: join(dir, "evil.dylib") },
      GCONV_PATH: { GCONV_PATH: dir },
      PYTHONSTARTUP: { PYTHONSTARTUP: rc },
      PYTHONPATH: { PYTHONPATH: dir },
      PERL5OPT: { PERL5OPT: "-Mstrict" },
      PERL5LIB: { PERL5LIB: dir },
      RUBYOPT: { RUBYOPT: `-r${js}` },
      JAVA_TOOL_OPTIONS: { JAVA_TOOL_OPTIONS: `-javaagent:${js}` },
      IFS: { IFS: "/" },
      HOME: { HOME: dir },
    },
  };
}

function runner(script: string, envAllow: string[]): SystemRunner {
  return new SystemRunner({ allowlist: new ProgramAllowlist([script], PATH), timeoutMs: 10_000, maxOutputBytes: 65536, baseEnv: { PATH }, envAllow });
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

async function refusal(p: Promise<unknown>): Promise<NodeCommandError> {
  const err = await p.then(
    (r) => assert.fail(`expected FORBIDDEN, the program ran: ${JSON.stringify(r)}`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof NodeCommandError, String(err));
  assert.equal(err.code, "FORBIDDEN", err.message);
  return err;
}

test("control: the payloads really run code in the script when set directly (so refusing them is what protects)", async (t) => {
  const f = await fixture(t);
  for (const name of ["BASH_FUNC_date%%", "PATH", "BASH_ENV", "NODE_OPTIONS"]) {
    const r = spawnSync(f.script, [], { env: { PATH, ...f.payloads[name] } });
    assert.equal(r.status, 0, `${name}: ${r.stderr.toString()}`);
    assert.equal(await exists(f.marker), true, `${name} did not run code; the test would prove nothing`);
    spawnSync("rm", ["-f", f.marker]);
  }
  // SHELLOPTS switches shell options on (with PS4 that runs code; bash ignores PS4 from the
  // environment only when running as root).
  const traced = spawnSync(f.script, [], { env: { PATH, ...f.payloads["SHELLOPTS"] } });
  assert.match(traced.stderr.toString(), /^\+ date/m, "SHELLOPTS did not reach bash");
});

test("every variable that loads code is refused by a real bash script's system.run, even when envAllow lists it", async (t) => {
  const f = await fixture(t);
  for (const [name, env] of Object.entries(f.payloads)) {
    for (const envAllow of [[], [name], Object.keys(f.payloads)]) {
      const err = await refusal(runner(f.script, envAllow).run({ argv: [f.script], env }));
      assert.ok(err.message.includes(JSON.stringify(name)), `${name}: ${err.message}`);
      assert.equal(await exists(f.marker), false, `${name} ran code`);
    }
  }
  // Together with an allowed variable: still refused as a whole, nothing runs.
  const err = await refusal(runner(f.script, ["GREETING"]).run({ argv: [f.script], env: { GREETING: "hi", "BASH_FUNC_date%%": "() { id; }" } }));
  assert.match(err.message, /BASH_FUNC_date%%/);
  assert.equal(await exists(f.marker), false);
});

test("only names on systemRun.envAllow are accepted; odd names are refused; the allowed one reaches the script", async (t) => {
  const f = await fixture(t);
  const r = runner(f.script, ["GREETING"]);
  const ok = await r.run({ argv: [f.script], env: { GREETING: "hello" } });
  assert.equal(ok.stdout, "greeting=hello\n");
  assert.equal(ok.exitCode, 0);
  const notListed = await refusal(r.run({ argv: [f.script], env: { OTHER: "x" } }));
  assert.match(notListed.message, /"OTHER": not in this node's systemRun.envAllow/);
  for (const odd of ["greeting", "A=B", "", "1ABC", "A-B", "A B", "GREETING\n"]) {
    const err = await refusal(r.run({ argv: [f.script], env: { [odd]: "x" } }));
    assert.match(err.message, /not a plain variable name/, JSON.stringify(odd));
  }
  await refusal(r.run({ argv: [f.script], env: { GREETING: "a\0b" } }));
  assert.equal(await exists(f.marker), false);
});

test("node.json: systemRun.envAllow takes plain names; a variable no caller may set is a config error naming it", () => {
  assert.deepEqual(parseNodeConfig("node.json", '{ systemRun: { allow: ["x"], envAllow: ["GREETING", "LANG"] } }').systemRun.envAllow, ["GREETING", "LANG"]);
  assert.deepEqual(parseNodeConfig("node.json", "{}").systemRun.envAllow, []);
  for (const name of ["PATH", "BASH_ENV", "ENV", "NODE_OPTIONS", "LD_PRELOAD", "DYLD_INSERT_LIBRARIES", "BASH_FUNC_X", "PYTHONPATH", "SHELLOPTS", "PS4"]) {
    assert.throws(
      () => parseNodeConfig("node.json", `{ systemRun: { envAllow: [${JSON.stringify(name)}] } }`),
      (e: Error) => e instanceof NodeConfigError && e.message.includes("systemRun.envAllow") && e.message.includes(JSON.stringify(name)),
      name,
    );
  }
  assert.throws(() => parseNodeConfig("node.json", '{ systemRun: { envAllow: ["BASH_FUNC_x%%"] } }'), NodeConfigError);
  assert.throws(() => parseNodeConfig("node.json", '{ systemRun: { envAllow: ["lower"] } }'), NodeConfigError);
});

test("end to end: an operator's node.invoke system.run with an exported bash function is refused by the node host; an allowed variable works", async (t) => {
  const f = await fixture(t);
  const gw = await gateway(t);
  const node = await spawnNodeHost(t, { url: gw.url, nodeConfig: { systemRun: { allow: [f.script], envAllow: ["GREETING"] } } });
  const op = await connectOperator(t, gw.url);
  const err = await rejection(invoke(op, node.nodeId, "system.run", { argv: [f.script], env: { "BASH_FUNC_date%%": `() { touch '${f.marker}'; }` } }));
  assert.equal(err.code, "FORBIDDEN");
  assert.match(err.message, /BASH_FUNC_date%%/);
  assert.equal(await exists(f.marker), false, "the exported function ran");
  const ok = (await invoke(op, node.nodeId, "system.run", { argv: [f.script], env: { GREETING: "hi" } })).payload as { stdout: string };
  assert.equal(ok.stdout, "greeting=hi\n");
});

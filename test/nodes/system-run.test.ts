// system.run on the node itself: real programs, the node's own allowlist, caps and timeouts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { NodeCommandError, ProgramAllowlist, SystemRunner } from "../../cli/src/node-host/index.js";
import { tempDir } from "../cli/run-cli.js";

const PATH = process.env["PATH"] ?? "/usr/bin:/bin";

function runner(allow: string[], opts: { timeoutMs?: number; maxOutputBytes?: number; envAllow?: string[] } = {}): SystemRunner {
  return new SystemRunner({
    allowlist: new ProgramAllowlist(allow, PATH),
    timeoutMs: opts.timeoutMs ?? 10_000,
    maxOutputBytes: opts.maxOutputBytes ?? 1024 * 1024,
    baseEnv: { PATH },
    envAllow: opts.envAllow ?? [],
  });
}

async function refused(p: Promise<unknown>, code: string): Promise<NodeCommandError> {
  const err = await p.then(
    () => assert.fail(`expected ${code}`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof NodeCommandError, String(err));
  assert.equal(err.code, code, err.message);
  return err;
}

test("an allowlisted program runs with its argv and returns its exit code", async () => {
  const r = runner(["echo", process.execPath]);
  const echo = await r.run({ argv: ["echo", "hello", "world"] });
  assert.equal(echo.stdout, "hello world\n");
  assert.equal(echo.exitCode, 0);
  assert.equal(echo.signal, null);
  assert.deepEqual(echo.truncated, { stdout: false, stderr: false });
  const seven = await r.run({ argv: [process.execPath, "-e", "process.stderr.write('oops'); process.exit(7)"] });
  assert.equal(seven.exitCode, 7);
  assert.equal(seven.stderr, "oops");
});

test("shell metacharacters are literal: no shell ever sees the argv", async () => {
  const res = await runner(["echo"]).run({ argv: ["echo", "a;b", "$(id)", "|", "x", "`whoami`", "&&", ">", "/tmp/nope"] });
  assert.equal(res.stdout, "a;b $(id) | x `whoami` && > /tmp/nope\n");
});

test("programs not on the allowlist are FORBIDDEN, whatever else the params say", async () => {
  const r = runner(["echo"]);
  await refused(r.run({ argv: ["id"] }), "FORBIDDEN");
  await refused(r.run({ argv: ["id"], approved: true, approvalDecision: "allow-always" }), "FORBIDDEN");
  await refused(r.run({ argv: ["./echo"] }), "FORBIDDEN");
  await refused(r.run({ argv: ["/usr/bin/id"] }), "FORBIDDEN");
  await refused(r.run({ argv: ["echo"], env: { LD_PRELOAD: "/tmp/evil.so" } }), "FORBIDDEN");
  await refused(r.run({ argv: [] }), "INVALID_REQUEST");
  await refused(r.run({ command: "echo hi" }), "INVALID_REQUEST");
});

test("a name on the allowlist also matches its absolute path, and an allowed path matches its name", async () => {
  const which = new ProgramAllowlist([], PATH).which("echo");
  assert.ok(which, "echo is on PATH");
  assert.equal((await runner(["echo"]).run({ argv: [which, "by-path"] })).stdout, "by-path\n");
  assert.equal((await runner([which]).run({ argv: ["echo", "by-name"] })).stdout, "by-name\n");
});

test("cwd and env (names on systemRun.envAllow) reach the program", async (t) => {
  const dir = await tempDir(t, "clawdbot-run-");
  const script = join(dir, "show");
  await writeFile(script, '#!/bin/sh\npwd\necho "$GREETING"\n', { mode: 0o755 });
  const res = await runner([script], { envAllow: ["GREETING"] }).run({ argv: [script], cwd: dir, env: { GREETING: "hi there" } });
  assert.equal(res.stdout, `${dir}\nhi there\n`);
});

test("stdout is capped at maxOutputBytes with truncated set; the timeout kills a program that never ends", async () => {
  const res = await runner(["yes"], { maxOutputBytes: 1000, timeoutMs: 1500 }).run({ argv: ["yes", "clawdbot"] });
  assert.equal(Buffer.byteLength(res.stdout), 1000);
  assert.ok(res.stdout.startsWith("clawdbot\nclawdbot\n"));
  assert.deepEqual(res.truncated, { stdout: true, stderr: false });
  assert.equal(res.timedOut, true);
  assert.equal(res.signal, "SIGKILL");
  assert.equal(res.exitCode, null);
});

test("a program that prints a lot to stderr is capped too", async () => {
  const res = await runner([process.execPath], { maxOutputBytes: 4096 }).run({ argv: [process.execPath, "-e", "process.stderr.write('x'.repeat(100000))"] });
  assert.equal(res.stderr.length, 4096);
  assert.deepEqual(res.truncated, { stdout: false, stderr: true });
  assert.equal(res.exitCode, 0);
});

test("params.timeoutMs shortens the run but never extends the node's own limit", async () => {
  const short = await runner(["sleep"], { timeoutMs: 20_000 }).run({ argv: ["sleep", "30"], timeoutMs: 200 });
  assert.equal(short.timedOut, true);
  assert.equal(short.signal, "SIGKILL");
  const capped = await runner(["sleep"], { timeoutMs: 300 }).run({ argv: ["sleep", "30"], timeoutMs: 600_000 });
  assert.equal(capped.timedOut, true);
});

test("a timeout kills what the program started as well (its process group)", async (t) => {
  const dir = await tempDir(t, "clawdbot-run-");
  const script = join(dir, "spawner");
  await writeFile(script, "#!/bin/sh\nsleep 30 &\necho $!\nwait\n", { mode: 0o755 });
  const res = await runner([script], { timeoutMs: 500 }).run({ argv: [script] });
  assert.equal(res.timedOut, true);
  const grandchild = Number(res.stdout.trim());
  assert.ok(grandchild > 0, res.stdout);
  assert.equal(await liveness(grandchild), "gone", "the background sleep was killed with its group");
});

test("a missing cwd is UNAVAILABLE with a hint", async () => {
  const err = await refused(runner(["echo"]).run({ argv: ["echo"], cwd: "/nonexistent/dir" }), "UNAVAILABLE");
  assert.match(err.message, /\/nonexistent\/dir/);
});

/** "gone" once a pid has exited (a zombie awaiting its reaper counts as gone), polled up to 5 s. */
async function liveness(pid: number): Promise<"gone" | "running"> {
  for (let i = 0; i < 50; i++) {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
    if (stat === "" || / Z /.test(stat.slice(stat.lastIndexOf(")")))) return "gone";
    await new Promise((r) => setTimeout(r, 100));
  }
  return "running";
}

// Supervisor: a real child program (fixtures/program.mjs) started in its own process group, its
// stderr logged, readiness awaited, restarted when it dies, its group ended on stop, and a copy left
// by a SIGKILLed parent found through the pid file and ended — but only when it is really ours.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { pino } from "pino";
import { PidFile } from "../../sidecar/src/supervise/pid-file.js";
import { systemProcessTable } from "../../sidecar/src/supervise/process-table.js";
import { ProgramStartError, Supervisor, type ExitInfo, type SupervisorHooks } from "../../sidecar/src/supervise/supervisor.js";
import { eventually } from "../support/wait.js";

const PROGRAM = fileURLToPath(new URL("./fixtures/program.mjs", import.meta.url));
const table = systemProcessTable();

interface LogLine {
  level: number;
  msg: string;
  program?: string;
  stream?: string;
}

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "clawdbot-sup-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  return true;
}

async function gone(pid: number): Promise<boolean> {
  return (await table.info(pid)) === null;
}

/** Readiness: the program prints "ready <pid>" on stdout. */
function readyLine(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: child.stdout! });
    rl.on("line", (line) => {
      if (line.startsWith("ready ")) {
        rl.close();
        resolve();
      }
    });
  });
}

function make(t: TestContext, dir: string, args: string[], hooks: Partial<SupervisorHooks> = {}, extra: { readyTimeoutMs?: number; stopGraceMs?: number; stableAfterMs?: number } = {}) {
  const lines: LogLine[] = [];
  const log = pino({ level: "debug" }, { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) });
  const exits: ExitInfo[] = [];
  let readies = 0;
  const sup = new Supervisor({
    program: { name: "prog", command: process.execPath, args: [PROGRAM, ...args], stdio: "pipe" },
    hooks: {
      ready: (child) => readyLine(child),
      onReady: () => void readies++,
      onExit: (e) => void exits.push(e),
      ...hooks,
    },
    pidFile: new PidFile(join(dir, "prog.pid"), table, log),
    table,
    log,
    readyTimeoutMs: extra.readyTimeoutMs ?? 10_000,
    stopGraceMs: extra.stopGraceMs ?? 5000,
    restartBackoff: { initialMs: 20, maxMs: 100 },
    ...(extra.stableAfterMs !== undefined ? { stableAfterMs: extra.stableAfterMs } : {}),
  });
  t.after(() => sup.stop());
  return { sup, lines, exits, readies: () => readies };
}

test("start waits for readiness, logs stderr lines with the last one kept, records the pid; stop ends the group and removes the pid file", async (t) => {
  const dir = await tempDir(t);
  const grandchildFile = join(dir, "grandchild.pid");
  const { sup, lines } = make(t, dir, ["--stderr", "first line", "--stderr", "Started daemon on 127.0.0.1", "--grandchild", grandchildFile]);
  await sup.start();
  const st = sup.status();
  assert.equal(st.state, "running");
  assert.ok(st.pid && alive(st.pid));
  await eventually("the last stderr line", () => sup.status().lastStderr === "Started daemon on 127.0.0.1");
  assert.ok(lines.some((l) => l.msg === "first line" && l.program === "prog" && l.stream === "stderr"), "stderr lines reach the log");
  await eventually("the pid file", async () => (await readFile(join(dir, "prog.pid"), "utf8").catch(() => "")).includes(`"pid":${st.pid}`));
  const grandchild = Number(await readFile(grandchildFile, "utf8"));
  assert.ok(alive(grandchild));

  await sup.stop();
  assert.equal(sup.status().state, "stopped");
  assert.ok(await gone(st.pid!), "the program is gone");
  await eventually("the grandchild is gone too (same process group)", () => gone(grandchild));
  await assert.rejects(readFile(join(dir, "prog.pid")), { code: "ENOENT" });
});

test("a program that never becomes ready fails start with the deadline and its last stderr line, and is killed", async (t) => {
  const dir = await tempDir(t);
  let pid: number | undefined;
  // Readiness never comes; the hook only makes sure the stderr line was read before the deadline matters.
  const sawStderr = (c: ChildProcess) => new Promise<void>((r) => c.stderr!.once("data", () => r()));
  const { sup } = make(t, dir, ["--never-ready", "--stderr", "waiting for the database"], { attach: (c) => void (pid = c.pid), ready: (c) => sawStderr(c).then(() => new Promise(() => undefined)) }, { readyTimeoutMs: 5000 });
  const err = await sup.start().then(
    () => assert.fail("start should fail"),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ProgramStartError);
  assert.match(err.message, /prog was not ready within 5000 ms: waiting for the database/);
  assert.equal(err.lastStderr, "waiting for the database");
  assert.ok(pid && (await gone(pid)), "the program was killed");
  await assert.rejects(readFile(join(dir, "prog.pid")), { code: "ENOENT" });
  assert.equal(sup.status().state, "stopped");
  assert.equal(sup.status().pid, null);
});

test("a program that exits before it is ready fails start with its exit code and stderr", async (t) => {
  const dir = await tempDir(t);
  const { sup } = make(t, dir, ["--exit", "2", "--stderr", "User +15550001 is not registered."]);
  await assert.rejects(sup.start(), (e: Error) => {
    assert.ok(e instanceof ProgramStartError);
    assert.match(e.message, /prog exited before it was ready \(code 2\): User \+15550001 is not registered\./);
    return true;
  });
});

test("a command that does not exist fails start with 'not found'", async (t) => {
  const dir = await tempDir(t);
  const log = pino({ level: "silent" });
  const sup = new Supervisor({
    program: { name: "ghost", command: join(dir, "no-such-program"), args: [], stdio: "log" },
    hooks: { ready: () => new Promise(() => undefined) },
    pidFile: new PidFile(join(dir, "ghost.pid"), table, log),
    table,
    log,
    readyTimeoutMs: 5000,
  });
  t.after(() => sup.stop());
  await assert.rejects(sup.start(), /ghost: .*no-such-program not found \(install it or set cliPath\)/);
});

test("a program that dies is restarted with a new pid; hooks see the exit and the new start", async (t) => {
  const dir = await tempDir(t);
  const { sup, exits, readies } = make(t, dir, ["--stderr", "about to die"]);
  await sup.start();
  const first = sup.status().pid!;
  assert.equal(readies(), 1);
  sup.current!.stdin!.write("exit\n");
  await eventually("restarted", () => sup.status().state === "running" && sup.status().pid !== first && readies() === 2);
  const st = sup.status();
  assert.equal(st.restarts, 1);
  assert.equal(exits.length, 1);
  assert.equal(exits[0]!.code, 3);
  assert.equal(exits[0]!.lastStderr, "about to die");
  assert.deepEqual(st.lastExit && { code: st.lastExit.code, signal: st.lastExit.signal }, { code: 3, signal: null });
  assert.ok(await gone(first));
  await eventually("pid file names the new child", async () => (await readFile(join(dir, "prog.pid"), "utf8").catch(() => "")).includes(`"pid":${st.pid}`));

  process.kill(st.pid!, "SIGKILL");
  await eventually("restarted again", () => sup.status().restarts === 2 && sup.status().state === "running");
  assert.equal(exits[1]!.signal, "SIGKILL");
});

test("restarts back off: each delay is drawn from a doubling ceiling up to the cap; a run that lasted stableAfterMs starts over", async (t) => {
  const delays = async (stableAfterMs: number | undefined) => {
    const dir = await tempDir(t);
    let starts = 0;
    // Every start but the sixth dies at once: five restarts in a row.
    const { sup, lines } = make(t, dir, [], { onReady: (child) => void (++starts < 6 && child.stdin!.write("exit\n")) }, stableAfterMs === undefined ? {} : { stableAfterMs });
    await sup.start();
    await eventually("five restarts", () => starts === 6 && sup.status().state === "running", 60_000);
    await sup.stop();
    return lines.filter((l) => l.msg === "restart scheduled").map((l) => (l as LogLine & { retryInMs: number }).retryInMs);
  };
  // initialMs 20, maxMs 100, jitter in [ceiling/2, ceiling]: ceilings 20, 40, 80, 100, 100.
  const grown = await delays(undefined);
  assert.equal(grown.length, 5);
  const ceilings = [20, 40, 80, 100, 100];
  grown.forEach((d, i) => assert.ok(d >= ceilings[i]! / 2 && d <= ceilings[i]!, `delay ${i} = ${d}, ceiling ${ceilings[i]}`));
  assert.ok(grown[2]! > grown[0]!, "the delay grows");
  // Every run counts as stable: the backoff starts over each time.
  const flat = await delays(0);
  assert.equal(flat.length, 5);
  assert.ok(flat.every((d) => d >= 10 && d <= 20), flat.join(","));
});

test("stop escalates to SIGKILL when the program ignores SIGTERM", async (t) => {
  const dir = await tempDir(t);
  const { sup } = make(t, dir, ["--ignore-term"], {}, { stopGraceMs: 300 });
  await sup.start();
  const pid = sup.status().pid!;
  await sup.stop();
  assert.ok(await gone(pid));
  assert.equal(sup.status().lastExit?.signal, "SIGKILL");
});

/** Runs a parent process that supervises the program, then SIGKILLs that parent: its child lives on. */
async function orphanFromKilledParent(t: TestContext, dir: string, tag: string): Promise<number> {
  const parentScript = fileURLToPath(new URL("./fixtures/parent.ts", import.meta.url));
  const parent = spawn(process.execPath, ["--import", "tsx", parentScript, join(dir, "prog.pid"), tag], { stdio: ["ignore", "pipe", "inherit"], cwd: fileURLToPath(new URL("../..", import.meta.url)) });
  t.after(() => parent.kill("SIGKILL"));
  const childPid = await new Promise<number>((resolve, reject) => {
    parent.once("exit", (code) => reject(new Error(`parent exited ${code}`)));
    createInterface({ input: parent.stdout! }).on("line", (l) => l.startsWith("child ") && resolve(Number(l.slice(6))));
  });
  await eventually("the pid file", async () => (await readFile(join(dir, "prog.pid"), "utf8").catch(() => "")).includes(`"pid":${childPid}`));
  parent.kill("SIGKILL");
  await new Promise((r) => parent.once("exit", r));
  t.after(() => {
    try {
      process.kill(-childPid, "SIGKILL");
    } catch {
      /* already gone */
    }
  });
  return childPid;
}

test("after the parent is SIGKILLed its program lives on; the next start finds it through the pid file and ends it", async (t) => {
  const dir = await tempDir(t);
  const orphan = await orphanFromKilledParent(t, dir, "orphan-1");
  assert.ok(alive(orphan), "the orphan survived its parent (own process group)");
  const { sup, lines } = make(t, dir, ["--tag", "orphan-1"]);
  await sup.start();
  assert.ok(await gone(orphan), "the stale program was ended");
  assert.notEqual(sup.status().pid, orphan);
  assert.ok(lines.some((l) => l.msg === "ending a program left running by an earlier gateway"));
});

test("a pid file naming a process that is not ours (other command line) leaves that process alone", async (t) => {
  const dir = await tempDir(t);
  const stranger = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { detached: true, stdio: "ignore" });
  t.after(() => stranger.kill("SIGKILL"));
  const info = await table.info(stranger.pid!);
  assert.ok(info);
  const log = pino({ level: "silent" });
  await new PidFile(join(dir, "prog.pid"), table, log).write({
    pid: stranger.pid!,
    pgid: stranger.pid!,
    command: process.execPath,
    args: [PROGRAM, "--tag", "mine"],
    startTime: info.startTime,
    startedAt: Date.now(),
  });
  const { sup, lines } = make(t, dir, ["--tag", "mine"]);
  await sup.start();
  assert.ok(alive(stranger.pid!), "the stranger still runs");
  assert.ok(lines.some((l) => l.msg === "pid file names a process that is not ours; left alone"));
});

test("a pid file whose pid now belongs to a process started later (pid reuse) is left alone", async (t) => {
  const dir = await tempDir(t);
  const reused = spawn(process.execPath, [PROGRAM, "--tag", "same-args"], { detached: true, stdio: "ignore" });
  t.after(() => reused.kill("SIGKILL"));
  await eventually("the process is listed", async () => (await table.info(reused.pid!)) !== null);
  const log = pino({ level: "silent" });
  await new PidFile(join(dir, "prog.pid"), table, log).write({
    pid: reused.pid!,
    pgid: reused.pid!,
    command: process.execPath,
    args: [PROGRAM, "--tag", "same-args"],
    startTime: "an earlier start",
    startedAt: 0,
  });
  const { sup } = make(t, dir, ["--tag", "same-args"]);
  await sup.start();
  assert.ok(alive(reused.pid!), "same command line, other start time: not ours");
});

test("a group whose leader died but whose member lives on is ended", async (t) => {
  const dir = await tempDir(t);
  const gcFile = join(dir, "gc.pid");
  // The leader starts a grandchild in its group, then exits: only the grandchild is left.
  const leader = spawn(process.execPath, [PROGRAM, "--grandchild", gcFile, "--exit", "0"], { detached: true, stdio: "ignore" });
  await new Promise((r) => leader.once("exit", r));
  const grandchild = Number(await readFile(gcFile, "utf8"));
  t.after(() => {
    try {
      process.kill(grandchild, "SIGKILL");
    } catch {
      /* gone */
    }
  });
  assert.ok(alive(grandchild));
  const log = pino({ level: "silent" });
  await new PidFile(join(dir, "prog.pid"), table, log).write({ pid: leader.pid!, pgid: leader.pid!, command: process.execPath, args: [PROGRAM], startedAt: 0 });
  const { sup } = make(t, dir, ["--tag", "fresh"]);
  await sup.start();
  assert.ok(await gone(grandchild));
});

// The command backend: a real child process per run (message on stdin, reply from stdout),
// exercised through the gateway's WebSocket. Scripts write their pids to files so the tests can
// check that timeout and abort really end the processes.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  agentEvents,
  alive,
  assertEventsValid,
  assistantText,
  chatEnd,
  chatHistory,
  chatSend,
  commandConfig,
  eventually,
  gatewayFor,
  messageText,
  okResult,
  startAgent,
  uiClient,
} from "./wire.js";

async function scratch(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "clawdbot-agent-cmd-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Waits for a script to have written its pid to `file`. */
async function pidFrom(file: string): Promise<number> {
  let pid = 0;
  await eventually(`a pid in ${file}`, async () => {
    pid = Number(await readFile(file, "utf8").catch(() => ""));
    return pid > 0;
  });
  return pid;
}

const UPPER = `let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => process.stdout.write(s.toUpperCase()));`;

test("a script's stdout is the reply: stdin upper-cased comes back as the agent's answer", async (t) => {
  const gw = await gatewayFor(t, { file: commandConfig(UPPER) });
  const c = await uiClient(t, gw);
  const run = await startAgent(c, { message: "hello from the test", sessionKey: "cmd" });
  const final = okResult<{ status: string; result: { text: string } }>("agent", await run.final());
  assert.equal(final.status, "ok");
  assert.equal(final.result.text, "HELLO FROM THE TEST");
  assert.deepEqual(await chatHistory(c, "cmd"), [
    { role: "user", text: "hello from the test" },
    { role: "assistant", text: "HELLO FROM THE TEST", runId: (run.accepted.payload as { runId: string }).runId },
  ]);
  assertEventsValid(c);
});

test("output written in pieces streams as separate deltas while the script runs", async (t) => {
  const dir = await scratch(t);
  const gate = join(dir, "gate");
  // The script writes "one ", then waits for the test to have seen it before writing the rest.
  const script = `
    const fs = require("fs");
    process.stdout.write("one ");
    const t = setInterval(() => {
      if (!fs.existsSync(${JSON.stringify(gate)})) return;
      clearInterval(t);
      process.stdout.write("two three");
    }, 10);`;
  const gw = await gatewayFor(t, { file: commandConfig(script) });
  const c = await uiClient(t, gw);
  const { runId } = await chatSend(c, "s", "go");
  await assistantText(c, runId, "one ");
  await writeFile(gate, "");
  const end = await chatEnd(c, runId);
  assert.equal(end.state, "final");
  assert.equal(messageText(end.message), "one two three");
  const deltas = agentEvents(c, runId).filter((f) => f.payload.stream === "assistant");
  assert.equal(deltas[0]?.payload.data["text"], "one ");
  assert.equal(deltas.at(-1)?.payload.data["text"], "one two three");
});

test("exit code 3 fails the run with a message that carries the script's stderr", async (t) => {
  const gw = await gatewayFor(t, { file: commandConfig(`process.stderr.write("disk on fire\\n"); process.exit(3);`) });
  const c = await uiClient(t, gw);
  const run = await startAgent(c, { message: "hi", sessionKey: "cmd" });
  const runId = (run.accepted.payload as { runId: string }).runId;
  const final = okResult<{ status: string; summary: string; result: { error?: string } }>("agent", await run.final());
  assert.equal(final.status, "error");
  assert.match(final.result.error ?? "", /exited with 3/);
  assert.match(final.result.error ?? "", /disk on fire/);
  const end = await chatEnd(c, runId);
  assert.equal(end.state, "error");
  assert.match(end.errorMessage ?? "", /disk on fire/);
});

test("a program that cannot be started fails the run with a message naming it", async (t) => {
  const missing = join(tmpdir(), "clawdbot-no-such-program");
  const gw = await gatewayFor(t, { file: { agent: { backend: "command", command: { argv: [missing] } } } });
  const c = await uiClient(t, gw);
  const run = await startAgent(c, { message: "hi" });
  const final = okResult<{ status: string; result: { error?: string } }>("agent", await run.final());
  assert.equal(final.status, "error");
  assert.match(final.result.error ?? "", /clawdbot-no-such-program/);
});

test("a script that outlives command.timeoutMs is killed and the run ends with status timeout", async (t) => {
  const dir = await scratch(t);
  const pidFile = join(dir, "pid");
  // sh starts in a millisecond, so the pid is written well before the timeout even on a busy machine.
  const argv = ["/bin/sh", "-c", `echo $$ > '${pidFile}'; printf working; exec sleep 600`];
  const gw = await gatewayFor(t, { file: { agent: { backend: "command", command: { argv, timeoutMs: 400 } } } });
  const c = await uiClient(t, gw);
  const run = await startAgent(c, { message: "hi", sessionKey: "slow" });
  const final = okResult<{ status: string; result: { text: string } }>("agent", await run.final());
  assert.equal(final.status, "timeout");
  assert.equal(final.result.text, "working");
  const pid = await pidFrom(pidFile);
  await eventually(`process ${pid} gone after the timeout`, async () => !(await alive(pid)));
});

test("a script that ignores SIGTERM is still killed after an abort (SIGKILL follows)", async (t) => {
  const dir = await scratch(t);
  const pidFile = join(dir, "pid");
  // An ignored signal stays ignored across exec, so `sleep` shrugs off SIGTERM too.
  const argv = ["/bin/sh", "-c", `trap '' TERM; echo $$ > '${pidFile}'; printf ready; exec sleep 600`];
  const gw = await gatewayFor(t, { file: { agent: { backend: "command", command: { argv } } } });
  const c = await uiClient(t, gw);
  const { runId } = await chatSend(c, "s", "go");
  await assistantText(c, runId, "ready");
  const pid = await pidFrom(pidFile);
  await c.request("chat.abort", { sessionKey: "s" });
  assert.equal((await chatEnd(c, runId)).state, "aborted", "the run ends at once, without waiting for the process");
  await eventually(`stubborn process ${pid} gone`, async () => !(await alive(pid)));
});

test("chat.abort kills the script and its children (the whole process group)", async (t) => {
  const dir = await scratch(t);
  const pidFile = join(dir, "pid");
  const childPidFile = join(dir, "child-pid");
  // The script starts a grandchild that also holds stdout, then both sleep.
  const grandchild = `require("fs").writeFileSync(${JSON.stringify(childPidFile)}, String(process.pid)); setTimeout(() => {}, 600000);`;
  const script = `
    const fs = require("fs");
    require("child_process").spawn(process.execPath, ["-e", ${JSON.stringify(grandchild)}], { stdio: "inherit" });
    fs.writeFileSync(${JSON.stringify(pidFile)}, String(process.pid));
    process.stdout.write("started");
    setTimeout(() => {}, 600000);`;
  const gw = await gatewayFor(t, { file: commandConfig(script) });
  const c = await uiClient(t, gw);
  const { runId } = await chatSend(c, "s", "go");
  const pid = await pidFrom(pidFile);
  const childPid = await pidFrom(childPidFile);
  await assistantText(c, runId, "started");
  assert.equal(await alive(pid), true);

  const abort = okResult<{ runIds: string[] }>("chat.abort", await c.request("chat.abort", { sessionKey: "s", runId }));
  assert.deepEqual(abort.runIds, [runId]);
  const end = await chatEnd(c, runId);
  assert.equal(end.state, "aborted");
  await eventually(`script ${pid} gone after abort`, async () => !(await alive(pid)));
  await eventually(`grandchild ${childPid} gone after abort`, async () => !(await alive(childPid)));
  const wait = okResult<{ status: string }>("agent.wait", await c.request("agent.wait", { runId }));
  assert.equal(wait.status, "aborted");
});

test("stopping the gateway kills a script that is still running", async (t) => {
  const dir = await scratch(t);
  const pidFile = join(dir, "pid");
  const argv = ["/bin/sh", "-c", `echo $$ > '${pidFile}'; printf up; exec sleep 600`];
  const gw = await gatewayFor(t, { file: { agent: { backend: "command", command: { argv } } } });
  const c = await uiClient(t, gw);
  const { runId } = await chatSend(c, "s", "go");
  await assistantText(c, runId, "up");
  const pid = await pidFrom(pidFile);
  await gw.stop();
  await eventually(`process ${pid} gone after the gateway stopped`, async () => !(await alive(pid)));
});

test("the session key reaches the script as CLAWDBOT_SESSION_KEY", async (t) => {
  const gw = await gatewayFor(t, { file: commandConfig(`process.stdout.write(process.env.CLAWDBOT_SESSION_KEY ?? "none");`) });
  const c = await uiClient(t, gw);
  const { runId } = await chatSend(c, "team:alpha", "who am i");
  const end = await chatEnd(c, runId);
  assert.equal(messageText(end.message), "team:alpha");
});

// Regression: each stdout chunk used to be decoded on its own, so a UTF-8 character split across
// two pipe reads turned into replacement characters.
test("a multi-byte character split across two writes arrives intact", async (t) => {
  const euro = Buffer.from("€");
  const script = `
    process.stdout.write(Buffer.from([${euro[0]}, ${euro[1]}]));
    setTimeout(() => process.stdout.write(Buffer.from([${euro[2]}])), 200);`;
  const gw = await gatewayFor(t, { file: commandConfig(script) });
  const c = await uiClient(t, gw);
  const run = await startAgent(c, { message: "price?" });
  const final = okResult<{ status: string; result: { text: string } }>("agent", await run.final());
  assert.equal(final.status, "ok");
  assert.equal(final.result.text, "€");
});

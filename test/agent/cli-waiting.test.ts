// `clawdbot agent` while it waits: the spinner on a terminal, Ctrl-C stopping the run on the gateway,
// a server-side timeout (exit 6 naming the setting), and a failed run's cause reaching the CLI and
// the transcript.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { eventually } from "../support/wait.js";
import { cli, json, show } from "./cli.js";
import { chatHistory, commandConfig, gatewayFor, openaiConfig, uiClient } from "./wire.js";

const BIN = fileURLToPath(new URL("../../cli/bin/run.js", import.meta.url));

async function scratch(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "clawdbot-agent-wait-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function cliEnv(stateDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("CLAWDBOT_")) env[k] = v;
  return { ...env, CLAWDBOT_STATE_DIR: stateDir, NO_COLOR: "1", FORCE_COLOR: "0" };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A loopback port with nothing listening on it. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

test("a server-side agent timeout exits 6 (AGENT_TIMEOUT) naming the setting and its value; the transcript keeps it", async (t) => {
  const gw = await gatewayFor(t, { file: { agent: { backend: "command", timeoutMs: 500, command: { argv: ["/bin/sh", "-c", "exec sleep 600"] } } } });
  const r = await cli(gw, ["agent", "are you there?"]);
  assert.equal(r.code, 6, show(r));
  assert.match(r.stderr, /^clawdbot: AGENT_TIMEOUT: the agent did not finish within 0\.5 s \(agent\.timeoutMs = 500\); raise agent\.timeoutMs in clawdbot\.json$/m);
  const j = await cli(gw, ["agent", "again?", "--json"]);
  assert.equal(j.code, 6, show(j));
  assert.equal(json<{ error: { code: string } }>(j).error.code, "AGENT_TIMEOUT");

  const c = await uiClient(t, gw);
  const res = await c.request("chat.history", { sessionKey: "main" });
  const messages = (res.payload as { messages: { role: string; stopReason?: string; errorMessage?: string }[] }).messages;
  const ends = messages.filter((m) => m.role === "assistant");
  assert.equal(ends.length, 2, JSON.stringify(messages));
  for (const m of ends) {
    assert.equal(m.stopReason, "timeout");
    assert.match(m.errorMessage ?? "", /agent\.timeoutMs = 500/);
  }
});

test("a command backend's own limit is named too (agent.command.timeoutMs)", async (t) => {
  const gw = await gatewayFor(t, { file: { agent: { backend: "command", command: { argv: ["/bin/sh", "-c", "exec sleep 600"], timeoutMs: 400 } } } });
  const r = await cli(gw, ["agent", "hi"]);
  assert.equal(r.code, 6, show(r));
  assert.match(r.stderr, /within 0\.4 s \(agent\.command\.timeoutMs = 400\)/);
});

test("the provider's cause reaches the client: connection refused to the model endpoint, in the CLI, the chat event and chat.history", async (t) => {
  const port = await deadPort();
  const gw = await gatewayFor(t, { file: openaiConfig(`http://127.0.0.1:${port}/v1`), env: { MY_KEY: "k" } });
  const r = await cli(gw, ["agent", "hello"]);
  assert.equal(r.code, 7, show(r));
  const cause = new RegExp(`connection refused to 127\\.0\\.0\\.1:${port}`);
  assert.match(r.stderr, /^clawdbot: the agent run failed: openai backend: cannot reach the model endpoint http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions \(agent\.openai\.baseUrl\)/m);
  assert.match(r.stderr, cause);
  const j = await cli(gw, ["agent", "hello", "--json"]);
  const err = json<{ error: { code: string; message: string } }>(j);
  assert.equal(err.error.code, "agent-failed");
  assert.match(err.error.message, cause);

  // After a reload (a fresh chat.history), the failure is still there with its cause.
  const c = await uiClient(t, gw);
  const res = await c.request("chat.history", { sessionKey: "main" });
  const last = (res.payload as { messages: { role: string; stopReason?: string; errorMessage?: string }[] }).messages.at(-1)!;
  assert.equal(last.role, "assistant");
  assert.equal(last.stopReason, "error");
  assert.match(last.errorMessage ?? "", cause);
  assert.deepEqual(
    (await chatHistory(c, "main")).map((m) => m.role),
    ["user", "assistant", "user", "assistant"],
    "each failed run left its user message and one assistant entry carrying the error",
  );
});

test("Ctrl-C aborts the run on the gateway, kills the command's whole process group, and exits 130 saying so", async (t) => {
  const dir = await scratch(t);
  const pids = join(dir, "pids");
  // The script starts a grandchild that holds stdout too; both must be gone after Ctrl-C.
  const script = `sleep 600 & echo "$$ $!" > '${pids}'; printf thinking; wait`;
  const gw = await gatewayFor(t, { file: { agent: { backend: "command", command: { argv: ["/bin/sh", "-c", script] } } } });
  const child = spawn(process.execPath, [BIN, "agent", "take your time", "--url", gw.url], { env: cliEnv(gw.stateDir), stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.once("close", (code) => r(code)));
  t.after(() => child.kill("SIGKILL"));
  let shell = 0;
  let sleeper = 0;
  await eventually("the agent script started", async () => {
    [shell, sleeper] = (await readFile(pids, "utf8").catch(() => "")).trim().split(" ").map(Number) as [number, number];
    return shell > 0 && sleeper > 0;
  }, 60_000);
  // The run's first words streamed: the CLI knows its run id by now.
  await eventually("the first words reached the CLI", () => stdout.includes("thinking"), 60_000);
  child.kill("SIGINT");
  const code = await exited;
  assert.equal(code, 130, `stdout:\n${stdout}\nstderr:\n${stderr}`);
  assert.match(stderr, /^clawdbot: interrupted: agent run [0-9a-f-]{36} stopped on the gateway$/m);
  await eventually(`script ${shell} and its child ${sleeper} gone`, () => !alive(shell) && !alive(sleeper));
  const c = await uiClient(t, gw);
  const res = await c.request("chat.history", { sessionKey: "main" });
  const last = (res.payload as { messages: { role: string; stopReason?: string; content: { text: string }[] }[] }).messages.at(-1)!;
  assert.equal(last.stopReason, "aborted");
  assert.equal(last.content[0]?.text, "thinking");
});

test("on a terminal a spinner shows the seconds waited until the first words, then the reply", async (t) => {
  const gw = await gatewayFor(t, { file: commandConfig(`setTimeout(() => process.stdout.write("late answer"), 1500);`) });
  // `script` gives the CLI a pseudo-terminal, as when a person runs it.
  const line = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} agent hi --url ${gw.url}`;
  const child = spawn("script", ["-qec", line, "/dev/null"], { env: cliEnv(gw.stateDir), stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
  const code = await new Promise<number | null>((r) => child.once("close", (c) => r(c)));
  assert.equal(code, 0, out);
  assert.match(out, /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] waiting for the agent… \d+s/);
  // The spinner erases itself before the reply is written.
  const reply = out.lastIndexOf("late answer");
  assert.ok(reply > out.lastIndexOf("waiting for the agent"), out);
  assert.ok(out.slice(0, reply).endsWith("\r\u001b[K"), JSON.stringify(out.slice(Math.max(0, reply - 40), reply + 12)));
});

test("without a terminal (a pipe) there is no spinner: only the reply", async (t) => {
  const gw = await gatewayFor(t);
  const r = await cli(gw, ["agent", "plain"]);
  assert.equal(r.code, 0, show(r));
  assert.equal(r.stdout, "echo: plain\n");
  assert.equal(r.stderr, "");
});

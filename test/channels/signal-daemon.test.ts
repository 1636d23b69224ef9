// The gateway runs signal-cli itself (autoStart): the fake signal-cli executable is spawned in its
// own process group, awaited through /api/v1/check, shown in channels.status, restarted when it
// dies without losing messages, and ended when the gateway stops. Also: a silent event stream.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { systemProcessTable } from "../../sidecar/src/supervise/process-table.js";
import { freeLoopbackPort } from "../../sidecar/src/channels/signal/daemon.js";
import { FakeSignalDaemon } from "../fakes/signal/daemon.js";
import { defer } from "./cleanup.js";
import { runCli } from "./cli.js";
import { call, eventually, tempStateDir } from "./harness.js";
import { account, externalDaemon, signalConfig, signalNetwork, startSignalGateway } from "./signal-harness.js";

const table = systemProcessTable();
const gone = async (pid: number) => (await table.info(pid)) === null;

test("autoStart spawns `signal-cli -a <account> daemon --http 127.0.0.1:<port>`, shows it in channels.status, and ends it on stop", async (t) => {
  const net = await signalNetwork(t);
  const dir = await tempStateDir(t);
  const cli = await net.writeCli(dir);
  const { gw, admin, stateDir } = await startSignalGateway(t, signalConfig(net.bot.number!, { cliPath: cli }));
  assert.equal(net.daemons.length, 1);
  const d = net.daemons[0]!;
  assert.deepEqual(d.args.slice(0, 4), ["-a", net.bot.number!, "daemon", "--http"]);
  assert.match(d.args[4]!, /^127\.0\.0\.1:\d+$/);
  assert.deepEqual(d.args.slice(5), ["--receive-mode", "on-connection"]);

  const st = await account(admin, "signal");
  assert.equal(st.program?.name, "signal-cli");
  assert.equal(st.program?.state, "running");
  assert.equal(st.program?.pid, d.pid);
  assert.equal(st.program?.restarts, 0);
  await eventually("the last stderr line", async () => /Started HTTP server/.test((await account(admin, "signal")).program?.lastStderr ?? ""));
  const info = await table.info(d.pid);
  assert.equal(info?.pgid, d.pid, "the daemon leads its own process group");
  const pidFile = JSON.parse(await readFile(join(stateDir, "channels", "signal", "default", "signal-cli.pid"), "utf8")) as { pid: number };
  assert.equal(pidFile.pid, d.pid);

  const human = await runCli(["channels", "status", "--url", gw.url], stateDir);
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, new RegExp(`program: signal-cli running \\(pid ${d.pid}\\), 0 restarts, last stderr: INFO {2}HttpServerHandler - Started HTTP server`));

  const bo = net.user("Bo");
  net.message(bo, "ping");
  await net.until("reply", () => net.sentTo({ recipient: bo.number! }).length === 1);

  await gw.stop();
  assert.ok(await gone(d.pid), "signal-cli ended with the gateway");
  await assert.rejects(readFile(join(stateDir, "channels", "signal", "default", "signal-cli.pid")), { code: "ENOENT" });
});

test("signal-cli dies: it is restarted, and messages sent meanwhile are answered once each", async (t) => {
  const net = await signalNetwork(t);
  const dir = await tempStateDir(t);
  const { admin } = await startSignalGateway(t, signalConfig(net.bot.number!, { cliPath: await net.writeCli(dir) }));
  const first = net.daemons[0]!.pid;
  const cy = net.user("Cy");
  process.kill(first, "SIGKILL");
  for (const text of ["while down 1", "while down 2", "while down 3"]) net.message(cy, text);
  await net.until("a second daemon", () => net.daemons.length === 2, 60_000);
  await net.until("three replies", () => net.sentTo({ recipient: cy.number! }).length >= 3, 60_000);
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(net.sentTo({ recipient: cy.number! }).map((d) => d.text), ["echo: while down 1", "echo: while down 2", "echo: while down 3"]);
  const st = await account(admin, "signal");
  assert.equal(st.program?.restarts, 1);
  assert.equal(st.program?.pid, net.daemons[1]!.pid);
  assert.ok(await gone(first));
  await eventually("connected again", async () => (await account(admin, "signal")).connected);
});

test("an event stream that stays open but silent is reopened, and the message sent into the silence arrives", async (t) => {
  const net = await signalNetwork(t);
  // No keep-alives from this daemon: once silenced, its stream carries nothing at all.
  const daemon = await externalDaemon(t, net, { keepAliveMs: 600_000 });
  await startSignalGateway(t, signalConfig(net.bot.number!, { httpUrl: daemon.url, eventsIdleMs: 1000 }));
  const di = net.user("Di");
  net.message(di, "before");
  await net.until("first reply", () => net.sentTo({ recipient: di.number! }).length === 1);
  const opened = daemon.streamsOpened;
  daemon.silence();
  net.message(di, "into the silence");
  await net.until("the reply after the stream was reopened", () => net.sentTo({ recipient: di.number! }).length === 2, 30_000);
  assert.ok(daemon.streamsOpened > opened, "a new stream was opened");
  assert.deepEqual(net.sentTo({ recipient: di.number! }).map((d) => d.text), ["echo: before", "echo: into the silence"]);
});

test("a daemon that is not ready within startupTimeoutMs: status says so, and no signal-cli is left running", async (t) => {
  const net = await signalNetwork(t);
  const dir = await tempStateDir(t);
  const cli = await net.writeCli(dir, { FAKE_SIGNAL_START_DELAY_MS: "30000" });
  const { gw, admin } = await startSignalGateway(t, signalConfig(net.bot.number!, { cliPath: cli, startupTimeoutMs: 4000 }), { waitConnected: false });
  // The fake prints its first line at once, then waits 30 s before listening.
  await eventually("the start-up error", async () => /signal-cli was not ready within 4000 ms: INFO {2}DaemonCommand - Starting daemon/.test((await account(admin, "signal")).lastError ?? ""), 30_000);
  const st = await account(admin, "signal");
  assert.equal(st.connected, false);
  await gw.stop();
  const pids = await net.cliPids(dir);
  assert.ok(pids.length >= 1);
  for (const pid of pids) assert.ok(await gone(pid), `signal-cli ${pid} is gone`);
});

test("an account signal-cli does not know: status carries signal-cli's own words", async (t) => {
  const net = await signalNetwork(t);
  const dir = await tempStateDir(t);
  const cli = await net.writeCli(dir, { FAKE_SIGNAL_UNREGISTERED: "1" });
  const { admin } = await startSignalGateway(t, signalConfig(net.bot.number!, { cliPath: cli }), { waitConnected: false });
  await eventually("the error", async () => (await account(admin, "signal")).lastError !== null, 30_000);
  assert.match((await account(admin, "signal")).lastError!, /signal-cli exited before it was ready \(code 1\): User \+\d+ is not registered\./);
});

test("a cliPath that does not exist: status says it was not found", async (t) => {
  const net = await signalNetwork(t);
  const dir = await tempStateDir(t);
  const { admin } = await startSignalGateway(t, signalConfig(net.bot.number!, { cliPath: join(dir, "nope", "signal-cli") }), { waitConnected: false });
  await eventually("the error", async () => (await account(admin, "signal")).lastError !== null, 30_000);
  assert.match((await account(admin, "signal")).lastError!, /signal-cli: .*nope\/signal-cli not found \(install it or set cliPath\)/);
});

test("channels logout signal: the daemon is stopped, the account's gateway state is gone, and it stays stopped", async (t) => {
  const net = await signalNetwork(t);
  const dir = await tempStateDir(t);
  const { admin, stateDir } = await startSignalGateway(t, signalConfig(net.bot.number!, { cliPath: await net.writeCli(dir) }));
  const pid = net.daemons[0]!.pid;
  const res = await call<{ stopped: boolean; cleared: boolean }>(admin, "channels.logout", { channel: "signal" });
  assert.deepEqual([res.stopped, res.cleared], [true, true]);
  assert.ok(await gone(pid));
  await assert.rejects(readFile(join(stateDir, "channels", "signal", "default", "signal-cli.pid")), { code: "ENOENT" });
  const st = await account(admin, "signal");
  assert.equal(st.running, false);
  assert.equal(st.program, undefined);
  assert.equal(net.daemons.length, 1, "nothing started it again");
});

test("httpUrl: the gateway spawns no signal-cli; a daemon that does not answer /api/v1/check yet is reported, and used once it answers", async (t) => {
  const net = await signalNetwork(t);
  const port = await freeLoopbackPort();
  const url = `http://127.0.0.1:${port}`;
  const { admin } = await startSignalGateway(t, signalConfig(net.bot.number!, { httpUrl: url }), { waitConnected: false });
  await eventually("the reason", async () => (await account(admin, "signal")).lastError !== null, 30_000);
  const down = await account(admin, "signal");
  assert.equal(down.lastError, `no signal-cli daemon answers at ${url}/api/v1/check`);
  assert.equal(down.connected, false);
  assert.equal(down.program, undefined, "nothing is supervised for a daemon someone else runs");

  const daemon = await FakeSignalDaemon.start({ backend: net.localBackend(), account: net.bot.number!, port, keepAliveMs: 200 });
  defer(t, () => daemon.stop());
  await eventually("connected to the daemon once it answers", async () => (await account(admin, "signal")).connected, 90_000);
  const up = await account(admin, "signal");
  assert.equal(up.lastError, null);
  assert.equal(up.program, undefined);
  const ada = net.user("Ada");
  net.message(ada, "hello daemon");
  await net.until("answer", () => net.sentTo({ recipient: ada.number! }).length === 1);
  assert.equal(net.daemons.length, 0, "no signal-cli process was started");
});

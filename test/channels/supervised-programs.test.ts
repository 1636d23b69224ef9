// Signal and iMessage on one gateway, each with the program it supervises (the fake signal-cli and
// the fake imsg): `clawdbot channels status --json` and its text show both programs' state, their
// stderr reaches the gateway log, a restart is counted, and `clawdbot channels logout` ends each.
import { test } from "node:test";
import assert from "node:assert/strict";
import { systemProcessTable } from "../../sidecar/src/supervise/process-table.js";
import { runCli } from "./cli.js";
import { eventually, startChannelGateway, tempStateDir } from "./harness.js";
import { messagesWorld } from "./imessage-harness.js";
import { account, signalNetwork } from "./signal-harness.js";

const table = systemProcessTable();

interface ProgramJson {
  name: string;
  state: string;
  pid: number | null;
  restarts: number;
  lastStderr: string | null;
}

interface StatusJson {
  channels: Record<string, { connected: boolean; program?: ProgramJson }>;
  channelAccounts: Record<string, { accountId: string; program?: ProgramJson }[]>;
}

test("signal-cli and imsg under one gateway: both programs in `channels status --json` and text, stderr in the log, a restart counted, `channels logout` ends each", async (t) => {
  const net = await signalNetwork(t);
  const world = await messagesWorld(t);
  const bin = await tempStateDir(t);
  const signalCli = await net.writeCli(bin);
  const imsgCli = await world.writeCli(bin);
  const stateDir = await tempStateDir(t);
  const { gw, admin } = await startChannelGateway(t, {
    file: {
      heartbeat: { enabled: false },
      channels: {
        signal: { account: net.bot.number!, cliPath: signalCli, dmPolicy: "open" },
        imessage: { cliPath: imsgCli, dmPolicy: "open" },
      },
    },
    stateDir,
    channelTransports: { imessage: { platform: "darwin" } },
  });
  await eventually("both connected", async () => (await account(admin, "signal")).connected && (await account(admin, "imessage")).connected, 60_000);

  const ada = net.user("Ada");
  net.message(ada, "over signal");
  world.receive(world.dmChat("+15551260001"), "+15551260001", "over imessage");
  await net.until("signal answer", () => net.sentTo({ recipient: ada.number! }).length === 1);
  await world.until("imessage answer", () => world.sent.length === 1);

  const signalPid = net.daemons[0]!.pid;
  const imsgPid = world.current!.pid;
  const statusJson = async (): Promise<StatusJson> => {
    const r = await runCli(["channels", "status", "--json", "--url", gw.url], stateDir);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as StatusJson;
  };
  await eventually("signal-cli's startup line as its last stderr line", async () => /Started HTTP server/.test((await statusJson()).channels["signal"]?.program?.lastStderr ?? ""));
  const first = await statusJson();
  const sig = first.channels["signal"]!;
  const ims = first.channels["imessage"]!;
  assert.equal(sig.connected, true);
  assert.equal(ims.connected, true);
  assert.deepEqual([sig.program?.name, sig.program?.state, sig.program?.pid, sig.program?.restarts], ["signal-cli", "running", signalPid, 0]);
  assert.deepEqual([ims.program?.name, ims.program?.state, ims.program?.pid, ims.program?.restarts], ["imsg", "running", imsgPid, 0]);
  assert.equal(first.channelAccounts["signal"]![0]!.program?.pid, signalPid, "per account too");
  assert.equal(first.channelAccounts["imessage"]![0]!.program?.pid, imsgPid);

  // The programs' stderr lines are in the gateway log, named by program.
  const logLines = () => gw.logs.tail(undefined, 5000, 10_000_000).lines.map((l) => JSON.parse(l) as { program?: string; stream?: string; message: string });
  assert.ok(logLines().some((l) => l.program === "signal-cli" && l.stream === "stderr" && /Started HTTP server/.test(l.message)), "signal-cli's stderr is logged");

  // imsg dies with a last word: restarted, and status counts it and shows that line.
  world.crash(1, "fatal: Messages database busy");
  await world.until("a new imsg subscribed", () => world.requestsOf("watch.subscribe").length === 2, 60_000);
  await eventually("restart shown", async () => (await statusJson()).channels["imessage"]?.program?.restarts === 1);
  const after = (await statusJson()).channels["imessage"]!.program!;
  assert.equal(after.lastStderr, "fatal: Messages database busy");
  assert.notEqual(after.pid, imsgPid);
  assert.ok(logLines().some((l) => l.program === "imsg" && l.stream === "stderr" && l.message === "fatal: Messages database busy"), "imsg's stderr is logged");

  const text = await runCli(["channels", "status", "--url", gw.url], stateDir);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, new RegExp(`program: signal-cli running \\(pid ${signalPid}\\), 0 restarts, last stderr: .*Started HTTP server`));
  assert.match(text.stdout, new RegExp(`program: imsg running \\(pid ${after.pid}\\), 1 restart, last stderr: fatal: Messages database busy`));

  const outIm = await runCli(["channels", "logout", "imessage", "--url", gw.url], stateDir);
  assert.equal(outIm.code, 0, outIm.stderr);
  assert.match(outIm.stdout, /^imessage: stopped, state cleared$/m);
  assert.equal(await table.info(after.pid!), null, "imsg ended");
  assert.equal((await account(admin, "signal")).connected, true, "Signal is untouched");

  const outSig = await runCli(["channels", "logout", "signal", "--url", gw.url], stateDir);
  assert.equal(outSig.code, 0, outSig.stderr);
  assert.match(outSig.stdout, /^signal: stopped, state cleared$/m);
  assert.equal(await table.info(signalPid), null, "signal-cli ended");
  const end = await statusJson();
  assert.equal(end.channels["signal"]?.program, undefined);
  assert.equal(end.channels["imessage"]?.program, undefined);
});

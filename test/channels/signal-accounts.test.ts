// Two Signal numbers on one gateway (channels.signal.accounts): each account spawns and supervises
// its own signal-cli daemon (own pid file, own port), answers through its own number, `send
// --account` picks one, `clawdbot channels status --json` lists both with their programs, and
// logging one out ends only its daemon.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { FakeSignalNetwork } from "../fakes/signal/network.js";
import { systemProcessTable } from "../../sidecar/src/supervise/process-table.js";
import { defer } from "./cleanup.js";
import { runCli } from "./cli.js";
import { call, eventually, startChannelGateway, tempStateDir } from "./harness.js";
import type { AccountSnapshot } from "./signal-harness.js";

const table = systemProcessTable();

async function network(t: Parameters<typeof defer>[0], number: string): Promise<FakeSignalNetwork> {
  const net = await FakeSignalNetwork.start({ number, uuid: randomUUID(), name: number });
  defer(t, () => net.stop());
  return net;
}

test("two Signal accounts: a daemon each, replies from the right number, send --account, status --json per account, logout of one", async (t) => {
  // One fake Signal service per number: a daemon for the wrong account would be refused there.
  const home = await network(t, "+15550000011");
  const work = await network(t, "+15550000022");
  const homeBin = await tempStateDir(t);
  const workBin = await tempStateDir(t);
  const stateDir = await tempStateDir(t);
  const { gw, admin } = await startChannelGateway(t, {
    file: {
      heartbeat: { enabled: false },
      channels: {
        signal: {
          dmPolicy: "open",
          defaultAccount: "home",
          accounts: {
            home: { account: home.bot.number!, cliPath: await home.writeCli(homeBin) },
            work: { account: work.bot.number!, cliPath: await work.writeCli(workBin), dmPolicy: "allowlist", allowFrom: ["+15557770001"], receiveMode: "on-start" },
          },
        },
      },
    },
    stateDir,
  });
  const accounts = async () => (await call<{ channelAccounts: { signal: AccountSnapshot[] } }>(admin, "channels.status")).channelAccounts.signal;
  const byId = async (id: string) => (await accounts()).find((a) => a.accountId === id)!;
  await eventually("both connected", async () => (await byId("home"))?.connected === true && (await byId("work"))?.connected === true, 60_000);

  assert.equal(home.daemons.length, 1);
  assert.equal(work.daemons.length, 1);
  const [h, w] = [home.daemons[0]!, work.daemons[0]!];
  assert.deepEqual(h.args.slice(0, 3), ["-a", home.bot.number, "daemon"]);
  assert.deepEqual(w.args.slice(0, 3), ["-a", work.bot.number, "daemon"]);
  assert.notEqual(h.args[4], w.args[4], "each daemon listens on its own port");
  assert.deepEqual([h.args.slice(5), w.args.slice(5)], [["--receive-mode", "on-connection"], ["--receive-mode", "on-start"]], "receiveMode per account");
  for (const [id, pid] of [["home", h.pid], ["work", w.pid]] as const) {
    const rec = JSON.parse(await readFile(join(stateDir, "channels", "signal", id, "signal-cli.pid"), "utf8")) as { pid: number };
    assert.equal(rec.pid, pid, `${id} has its own pid file`);
  }

  const ada = home.user("Ada", { number: "+15557770001" });
  home.message(ada, "to home");
  work.message(ada, "to work");
  const eve = work.user("Eve");
  work.message(eve, "let me in");
  await home.until("home reply", () => home.sentTo({ recipient: ada.number! }).length === 1);
  await work.until("work reply", () => work.sentTo({ recipient: ada.number! }).length === 1);
  assert.deepEqual(home.sentTo({ recipient: ada.number! }).map((d) => d.text), ["echo: to home"]);
  assert.deepEqual(work.sentTo({ recipient: ada.number! }).map((d) => d.text), ["echo: to work"]);
  await eventually("work dropped the stranger", async () => (await byId("work")).dropped["not_allowed"] === 1);
  assert.deepEqual(work.sentTo({ recipient: eve.number! }), []);

  const sent = await runCli(["send", "--to", "signal:+15557770009", "--account", "work", "from work", "--url", gw.url], stateDir);
  assert.equal(sent.code, 0, sent.stderr);
  assert.deepEqual(work.sentTo({ recipient: "+15557770009" }).map((d) => d.text), ["from work"]);
  assert.deepEqual(home.sentTo({ recipient: "+15557770009" }), []);

  const st = await runCli(["channels", "status", "--json", "--url", gw.url], stateDir);
  assert.equal(st.code, 0, st.stderr);
  const json = JSON.parse(st.stdout) as { channelAccounts: { signal: { accountId: string; program?: { name: string; state: string; pid: number } }[] }; channelDefaultAccountId: { signal: string } };
  const programs = Object.fromEntries(json.channelAccounts.signal.map((a) => [a.accountId, a.program && [a.program.name, a.program.state, a.program.pid]]));
  assert.deepEqual(programs, { home: ["signal-cli", "running", h.pid], work: ["signal-cli", "running", w.pid] });
  assert.equal(json.channelDefaultAccountId.signal, "home");

  const out = await runCli(["channels", "logout", "signal", "--account", "work", "--url", gw.url], stateDir);
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stdout, /^signal \[work\]: stopped, state cleared$/m);
  assert.equal(await table.info(w.pid), null, "work's daemon ended");
  assert.ok(await table.info(h.pid), "home's daemon still runs");
  assert.equal((await byId("home")).connected, true);
  home.message(ada, "still home");
  await home.until("home still answers", () => home.sentTo({ recipient: ada.number! }).length === 2);
});

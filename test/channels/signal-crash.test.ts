// `clawdbot gateway` as a child process running signal-cli itself, SIGKILLed: the daemon outlives
// it (its own process group), and the next start finds it through the pid file and ends it before
// starting a fresh one. A send acknowledged while signal-cli hangs is delivered once after the
// restart ("once": a send the fake never answered delivered nothing, as a request lost on the way).
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { FakeSignalNetwork } from "../fakes/signal/network.js";
import { systemProcessTable } from "../../sidecar/src/supervise/process-table.js";
import { runCli, spawnGateway, type GatewayChild } from "./cli.js";
import { defer } from "./cleanup.js";
import { tempStateDir } from "./harness.js";
import { signalConfig, signalNetwork } from "./signal-harness.js";

const table = systemProcessTable();

interface Setup {
  net: FakeSignalNetwork;
  stateDir: string;
  start: () => Promise<GatewayChild>;
}

async function setup(t: TestContext): Promise<Setup> {
  const net = await signalNetwork(t);
  const stateDir = await tempStateDir(t);
  const configPath = join(stateDir, "clawdbot.json");
  await writeFile(configPath, JSON.stringify(signalConfig(net.bot.number!, { cliPath: await net.writeCli(stateDir) }), null, 2));
  const start = async () => {
    const before = net.daemons.length;
    const gw = await spawnGateway(t, stateDir, configPath);
    await net.until("the gateway's signal-cli", () => net.daemons.length > before, 60_000);
    await waitConnected(stateDir, gw);
    return gw;
  };
  // Whatever happens, no fake signal-cli of this test outlives it. Deferred (last in, first out), so
  // it runs before the state dir holding the pid file is removed.
  defer(t, async () => {
    for (const pid of await net.cliPids(stateDir)) {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        /* gone */
      }
    }
  });
  return { net, stateDir, start };
}

async function status(stateDir: string, gw: GatewayChild): Promise<{ connected: boolean; outboxPending: number; program?: { pid: number | null } }> {
  const r = await runCli(["channels", "status", "--json", "--url", gw.url], stateDir);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { channels: { signal: { connected: boolean; outboxPending: number; program?: { pid: number | null } } } }).channels.signal;
}

async function waitConnected(stateDir: string, gw: GatewayChild): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await status(stateDir, gw)).connected) {
    assert.ok(Date.now() < deadline, `signal did not connect:\n${gw.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test("gateway SIGKILLed: signal-cli outlives it, and the next start ends that orphan before running its own", async (t) => {
  const s = await setup(t);
  const first = await s.start();
  const orphan = s.net.daemons[0]!.pid;
  assert.equal((await status(s.stateDir, first)).program?.pid, orphan, "channels status --json shows the program's pid");
  await first.crash();
  assert.ok(await table.info(orphan), "the daemon survived the SIGKILL (own process group)");

  const second = await s.start();
  assert.equal(await table.info(orphan), null, "the orphan was ended");
  const fresh = s.net.daemons[1]!.pid;
  assert.notEqual(fresh, orphan);
  assert.equal((await status(s.stateDir, second)).program?.pid, fresh);
  const ada = s.net.user("Ada");
  s.net.message(ada, "still there?");
  await s.net.until("answered by the new daemon", () => s.net.sentTo({ recipient: ada.number! }).length === 1);

  // A clean stop (SIGTERM) ends signal-cli too.
  second.child.kill("SIGTERM");
  await second.exited;
  assert.equal(await table.info(fresh), null, "SIGTERM of the gateway leaves no signal-cli behind");
});

test("a send acknowledged while signal-cli hangs, then a SIGKILL: after the restart it is delivered exactly once", async (t) => {
  const s = await setup(t);
  const ada = s.net.user("Ada");
  const gw = await s.start();
  s.net.fail("send", { kind: "hang" }, { times: Infinity, when: (p) => p["message"] === "exactly once" });
  const r = await runCli(["send", "--to", `signal:${ada.number}`, "exactly once", "--idempotency-key", "sig-crash-1", "--url", gw.url, "--json"], s.stateDir);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const ack = JSON.parse(r.stdout) as { status: string; messageId: string };
  assert.equal(ack.status, "queued");
  assert.equal((await status(s.stateDir, gw)).outboxPending, 1);
  assert.deepEqual(s.net.sentTo({ recipient: ada.number! }), []);

  await gw.crash();
  s.net.heal("send");
  const again = await s.start();
  await s.net.until("delivered after the restart", () => s.net.sentTo({ recipient: ada.number! }).length === 1, 30_000);
  const retry = await runCli(["send", "--to", `signal:${ada.number}`, "exactly once", "--idempotency-key", "sig-crash-1", "--url", again.url, "--json"], s.stateDir);
  assert.equal(retry.code, 0, retry.stderr);
  const res = JSON.parse(retry.stdout) as { status: string; messageId: string };
  assert.equal(res.status, "sent");
  assert.equal(res.messageId, ack.messageId);
  assert.deepEqual(s.net.sentTo({ recipient: ada.number! }).map((d) => d.text), ["exactly once"]);
  assert.equal((await status(s.stateDir, again)).outboxPending, 0);
});

// `clawdbot gateway` as a child process running imsg through a wrapper, SIGKILLed: an imsg that
// outlives the end of its stdin (a wrapper's remote side) is found through the pid file and ended
// by the next start; a send acknowledged while imsg hangs is delivered once after the restart.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { FakeMessages } from "../fakes/imsg/world.js";
import { systemProcessTable } from "../../sidecar/src/supervise/process-table.js";
import { runCli, spawnGateway, type GatewayChild } from "./cli.js";
import { tempStateDir } from "./harness.js";
import { imessageConfig, messagesWorld } from "./imessage-harness.js";

const table = systemProcessTable();

interface Setup {
  world: FakeMessages;
  stateDir: string;
  start: () => Promise<GatewayChild>;
}

async function setup(t: TestContext): Promise<Setup> {
  const world = await messagesWorld(t);
  const stateDir = await tempStateDir(t);
  const configPath = join(stateDir, "clawdbot.json");
  const cliPath = await world.writeCli(stateDir, { ignoreEof: true });
  await writeFile(configPath, JSON.stringify(imessageConfig({ cliPath }), null, 2));
  t.after(() => {
    for (const c of world.children) {
      try {
        process.kill(-c.pid, "SIGKILL");
      } catch {
        /* gone */
      }
    }
  });
  const start = async () => {
    const subs = world.requestsOf("watch.subscribe").length;
    const gw = await spawnGateway(t, stateDir, configPath);
    await world.until("the gateway's imsg subscribed", () => world.requestsOf("watch.subscribe").length > subs, 60_000);
    return gw;
  };
  return { world, stateDir, start };
}

async function status(stateDir: string, gw: GatewayChild): Promise<{ outboxPending: number; program?: { pid: number | null } }> {
  const r = await runCli(["channels", "status", "--json", "--url", gw.url], stateDir);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { channels: { imessage: { outboxPending: number; program?: { pid: number | null } } } }).channels.imessage;
}

test("gateway SIGKILLed: the imsg it left running is ended by the next start", async (t) => {
  const s = await setup(t);
  const first = await s.start();
  const orphan = s.world.current!.pid;
  assert.equal((await status(s.stateDir, first)).program?.pid, orphan);
  await first.crash();
  assert.ok(await table.info(orphan), "imsg outlived the gateway");
  const second = await s.start();
  assert.equal(await table.info(orphan), null, "the orphan was ended");
  const fresh = s.world.current!.pid;
  assert.notEqual(fresh, orphan);
  assert.equal((await status(s.stateDir, second)).program?.pid, fresh);
  s.world.receive(s.world.dmChat("+15551250001"), "+15551250001", "hello again");
  await s.world.until("answered", () => s.world.sent.length === 1);

  // A clean stop (SIGTERM) ends imsg too, although this one would outlive the end of its stdin.
  second.child.kill("SIGTERM");
  await second.exited;
  assert.equal(await table.info(fresh), null, "SIGTERM of the gateway leaves no imsg behind");
});

test("a send acknowledged while imsg hangs, then a SIGKILL: after the restart it is delivered exactly once", async (t) => {
  const s = await setup(t);
  const gw = await s.start();
  s.world.fail("send", { kind: "hang" }, Infinity);
  const r = await runCli(["send", "--to", "imessage:+15551250002", "exactly once", "--idempotency-key", "im-crash-1", "--url", gw.url, "--json"], s.stateDir);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const ack = JSON.parse(r.stdout) as { status: string; messageId: string };
  assert.equal(ack.status, "queued");
  assert.equal((await status(s.stateDir, gw)).outboxPending, 1);
  await gw.crash();
  s.world.heal("send");
  const again = await s.start();
  await s.world.until("delivered after the restart", () => s.world.sent.length === 1, 30_000);
  const retry = await runCli(["send", "--to", "imessage:+15551250002", "exactly once", "--idempotency-key", "im-crash-1", "--url", again.url, "--json"], s.stateDir);
  assert.equal(retry.code, 0, retry.stderr);
  const res = JSON.parse(retry.stdout) as { status: string; messageId: string };
  assert.deepEqual([res.status, res.messageId], ["sent", ack.messageId]);
  assert.deepEqual(s.world.sent.map((m) => [m.to, m.text]), [["+15551250002", "exactly once"]]);
});

// Exactly once across a crash: `clawdbot gateway` runs as a child process; a DM is accepted and the
// agent's answer queued while Discord does not answer the POST; the gateway is SIGKILLed, Discord
// recovers, the gateway starts again on the same state dir (a fresh IDENTIFY: Discord does not
// replay an old session's messages) and delivers the answer, once.
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runCli, spawnGateway } from "./cli.js";
import { tempStateDir } from "./harness.js";
import { discordConfig, discordFakeFor, discordReply } from "./discord-harness.js";

test("SIGKILL between accepting a message and delivering its answer: after the restart the answer is delivered exactly once", async (t) => {
  const fake = await discordFakeFor(t);
  const stateDir = await tempStateDir(t);
  const configPath = join(stateDir, "clawdbot.json");
  await writeFile(configPath, JSON.stringify(discordConfig(fake, { dmPolicy: "open" }), null, 2));
  const start = async (ready: number) => {
    const gw = await spawnGateway(t, stateDir, configPath);
    await fake.gateway.frames.waitFor((f) => f.method === "out:READY" && fake.gateway.frames.of("out:READY").length === ready, 30_000, `READY ${ready}`);
    return gw;
  };
  const ada = fake.world.user("ada");
  const dm = fake.world.dm(ada);
  const first = await start(1);
  fake.fail("POST /channels/:id/messages", { kind: "hang" }, { times: Infinity, when: (p) => p["content"] === "echo: before the crash" });
  fake.say({ author: ada.id, channel: dm.id, content: "before the crash" });
  await fake.waitForCall((c) => c.method === "POST /channels/:id/messages" && c.outcome === "hung", 20_000, "the answer held by Discord");
  const status = await runCli(["channels", "status", "--json", "--url", first.url], stateDir);
  assert.equal(status.code, 0, status.stderr);
  assert.equal((JSON.parse(status.stdout) as { channels: { discord: { outboxPending: number } } }).channels.discord.outboxPending, 1);

  await first.crash();
  fake.heal("POST /channels/:id/messages");
  fake.dropHung();
  const second = await start(2);
  await discordReply(fake, dm.id, "echo: before the crash", 30_000);
  assert.deepEqual(fake.delivered(dm.id), ["echo: before the crash"]);
  assert.deepEqual(fake.callsOf("POST /channels/:id/messages").map((c) => c.outcome), ["hung", "ok"]);
  assert.equal(fake.gateway.received("Identify").length, 2);
  const hist = await runCli(["call", "chat.history", "--params", JSON.stringify({ sessionKey: `agent:main:discord:dm:${ada.id}` }), "--url", second.url, "--json"], stateDir);
  assert.equal(hist.code, 0, hist.stderr);
  assert.equal((JSON.parse(hist.stdout) as { messages: unknown[] }).messages.length, 2, "the agent ran once");
});

// Exactly once across a crash: `clawdbot gateway` runs as a child process; a DM is acknowledged
// (its envelope acked, the agent's answer queued) while Slack does not answer chat.postMessage;
// the gateway is SIGKILLed, Slack recovers, the gateway starts again on the same state dir and
// delivers the answer, once. Slack does not redeliver an acknowledged envelope, so only the
// outbox can carry the answer across the crash.
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { runCli, spawnGateway } from "./cli.js";
import { tempStateDir } from "./harness.js";
import { slackConfig, slackFakeFor, slackReply } from "./slack-harness.js";

test("SIGKILL between the acknowledgement and the delivery: after the restart the answer is delivered exactly once", async (t) => {
  const fake = await slackFakeFor(t);
  const stateDir = await tempStateDir(t);
  const configPath = join(stateDir, "clawdbot.json");
  await writeFile(configPath, JSON.stringify(slackConfig(fake, { dmPolicy: "open" }), null, 2));
  const app = fake.world.app.id;
  const start = async (sockets: number) => {
    const gw = await spawnGateway(t, stateDir, configPath);
    await fake.socketMode.envelopes.waitFor((e) => e.method === "hello" && e.socket === sockets, 30_000, `hello on socket ${sockets}`);
    return gw;
  };
  const ada = fake.world.addPerson("ada");
  const dm = fake.world.dmWith(ada.id);
  const first = await start(1);
  fake.fail("chat.postMessage", { kind: "hang" }, { times: Infinity, when: (p) => p["text"] === "echo: before the crash" });

  const { envelopes } = fake.say({ user: ada.id, channel: dm.id, text: "before the crash" });
  await fake.socketMode.envelopes.waitFor((e) => e.envelopeId === envelopes[0] && e.ackOrder !== undefined);
  await fake.waitForCall((c) => c.method === "chat.postMessage" && c.outcome === "hung", 20_000, "the answer held by Slack");
  const status = await runCli(["channels", "status", "--json", "--url", first.url], stateDir);
  assert.equal(status.code, 0, status.stderr);
  assert.equal((JSON.parse(status.stdout) as { channels: { slack: { outboxPending: number } } }).channels.slack.outboxPending, 1);

  await first.crash();
  fake.heal("chat.postMessage");
  fake.dropHung();
  assert.equal(fake.socketMode.liveCount(app), 0);
  const second = await start(2);
  await slackReply(fake, dm.id, "echo: before the crash", 30_000);
  assert.deepEqual(fake.delivered(dm.id), ["echo: before the crash"]);
  assert.deepEqual(fake.callsOf("chat.postMessage").map((c) => c.outcome), ["hung", "ok"]);

  // The agent ran once: the acknowledged message was not taken up again after the restart.
  const hist = await runCli(["call", "chat.history", "--params", JSON.stringify({ sessionKey: `agent:main:slack:dm:${ada.id}` }), "--url", second.url, "--json"], stateDir);
  assert.equal(hist.code, 0, hist.stderr);
  assert.equal((JSON.parse(hist.stdout) as { messages: unknown[] }).messages.length, 2);

  // The same client key sent twice: one message.
  const key = randomUUID();
  for (let i = 0; i < 2; i++) {
    const r = await runCli(["send", "--to", `slack:${dm.id}`, "once by key", "--idempotency-key", key, "--url", second.url, "--json"], stateDir);
    assert.equal(r.code, 0, r.stderr + r.stdout);
  }
  assert.deepEqual(fake.delivered(dm.id), ["echo: before the crash", "once by key"]);
  assert.equal(fake.socketMode.peak(app), 1);
});

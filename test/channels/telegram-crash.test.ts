// Exactly-once delivery across a crash: `clawdbot gateway` runs as a child process, a `send` is
// acknowledged while Telegram does not answer, the gateway is SIGKILLed, Telegram recovers, the
// gateway starts again on the same state dir and delivers.
//
// What "once" means here: a sendMessage the fake never answered (a hang) created no message on the
// fake's side — it models a request lost on the way, and it ends when the killed process's socket
// closes. "Delivered" counts the sendMessage calls the fake accepted and answered with a Message.
// (A request Telegram processed but whose answer was lost cannot be told apart by any client: the
// Bot API has no idempotency key, so that case is at-least-once by nature and is not tested here.)
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { FakeTelegram } from "../fakes/telegram/server.js";
import { runCli, spawnGateway, type GatewayChild } from "./cli.js";
import { fakeFor, replyIn, telegramConfig, tempStateDir } from "./harness.js";

interface Setup {
  fake: FakeTelegram;
  stateDir: string;
  start: () => Promise<GatewayChild>;
}

async function setup(t: TestContext): Promise<Setup> {
  const fake = await fakeFor(t);
  const stateDir = await tempStateDir(t);
  const configPath = join(stateDir, "clawdbot.json");
  await writeFile(configPath, JSON.stringify(telegramConfig(fake, { dmPolicy: "open" }), null, 2));
  const start = async () => {
    const polls = fake.calls.length;
    const gw = await spawnGateway(t, stateDir, configPath);
    await fake.waitForCall((c) => c.seq > polls && c.method === "getUpdates", 30_000, "first poll of the gateway child");
    return gw;
  };
  return { fake, stateDir, start };
}

interface SendJson {
  status: "sent" | "queued";
  messageId: string;
}

async function cliSend(s: Setup, gw: GatewayChild, to: string, text: string, key: string): Promise<SendJson> {
  const r = await runCli(["send", "--to", to, text, "--idempotency-key", key, "--url", gw.url, "--json"], s.stateDir);
  assert.equal(r.code, 0, `send failed: ${r.stderr}${r.stdout}`);
  return JSON.parse(r.stdout) as SendJson;
}

async function queuedCount(s: Setup, gw: GatewayChild): Promise<number> {
  const r = await runCli(["channels", "status", "--json", "--url", gw.url], s.stateDir);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { channels: { telegram: { outboxPending: number } } }).channels.telegram.outboxPending;
}

test("a send acknowledged while Telegram hangs, then a SIGKILL: after the restart it is delivered exactly once, and a retry with the same key sends nothing", async (t) => {
  const s = await setup(t);
  s.fake.world.addChat({ id: 900, type: "private", first_name: "Crash" });
  const first = await s.start();
  s.fake.fail("sendMessage", { kind: "hang" }, { times: Infinity, when: (p) => p["text"] === "exactly once" });

  const ack = await cliSend(s, first, "telegram:900", "exactly once", "crash-key-1");
  assert.equal(ack.status, "queued");
  assert.deepEqual(s.fake.callsOf("sendMessage").map((c) => c.outcome), ["hung"]);
  assert.equal(await queuedCount(s, first), 1);

  await first.crash();
  s.fake.heal("sendMessage");
  const second = await s.start();
  await replyIn(s.fake, 900, "exactly once", 20_000);
  assert.deepEqual(s.fake.delivered(900), ["exactly once"]);

  const retry = await cliSend(s, second, "telegram:900", "exactly once", "crash-key-1");
  assert.equal(retry.status, "sent");
  assert.equal(retry.messageId, ack.messageId);
  assert.equal(await queuedCount(s, second), 0);
  assert.deepEqual(s.fake.delivered(900), ["exactly once"]);
  // A hung request may be retried (and hang again) before the kill on a slow machine; what counts is
  // that only hung attempts precede the single one that went through.
  const outcomes = s.fake.callsOf("sendMessage").map((c) => c.outcome);
  assert.equal(outcomes.at(-1), "ok", s.fake.describeCalls());
  assert.ok(outcomes.slice(0, -1).every((o) => o === "hung"), s.fake.describeCalls());
});

test("a send that keeps failing with 500 is retried after a SIGKILL and delivered once", async (t) => {
  const s = await setup(t);
  s.fake.world.addChat({ id: 901, type: "private", first_name: "Crash" });
  const first = await s.start();
  s.fake.fail("sendMessage", { kind: "error", code: 500 }, { times: Infinity });
  const ack = await cliSend(s, first, "telegram:901", "after the storm", "crash-key-2");
  assert.equal(ack.status, "queued");
  const failures = s.fake.callsOf("sendMessage");
  assert.ok(failures.length >= 2 && failures.every((c) => c.errorCode === 500), s.fake.describeCalls());

  await first.crash();
  s.fake.heal("sendMessage");
  await s.start();
  await replyIn(s.fake, 901, "after the storm", 20_000);
  assert.deepEqual(s.fake.delivered(901), ["after the storm"]);
});

test("a long message cut by a crash after its first part: the rest follows after the restart, no part twice", async (t) => {
  const s = await setup(t);
  s.fake.world.addChat({ id: 902, type: "private", first_name: "Crash" });
  const first = await s.start();
  let seen = 0;
  s.fake.fail("sendMessage", { kind: "hang" }, { times: Infinity, when: (p) => String(p["chat_id"]) === "902" && ++seen >= 2 });
  const text = Array.from({ length: 1400 }, (_, i) => `part${i}`).join(" ");
  const ack = await cliSend(s, first, "telegram:902", text, "crash-key-3");
  assert.equal(ack.status, "queued");
  assert.deepEqual(s.fake.callsOf("sendMessage").map((c) => c.outcome), ["ok", "hung"]);

  await first.crash();
  s.fake.heal("sendMessage");
  await s.start();
  await s.fake.waitForCall(() => s.fake.delivered(902).length >= 3, 20_000, "all three parts");
  const parts = s.fake.delivered(902);
  assert.equal(parts.length, 3, parts.join("\n---\n"));
  assert.equal(parts.join(" "), text);
});

// A job's reply delivered to a Telegram chat through the durable outbox (grammY against the fake Bot
// API): a delivery that fails and is retried is recorded on the run, attempt by attempt; one refused
// for good is recorded as not delivered. And the command a user types:
// `clawdbot cron add --every 1m --message ping --deliver --to telegram:<id>`.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { CronJob, CronRunLogEntry, Result } from "@clawdbot/protocol";
import { call, eventually, fakeFor, startTelegramGateway } from "../channels/harness.js";
import { cli, json, show } from "../agent/cli.js";
import type { FakeTelegram } from "../fakes/telegram/server.js";
import type { RawClient } from "../support/raw-client.js";

const CHAT = 424242;

function knownChat(fake: FakeTelegram): void {
  fake.world.addChat({ id: CHAT, type: "private", first_name: "Owner" });
}

/** An hourly job whose reply goes to the chat. */
function deliveringJob(admin: RawClient, name: string, message: string): Promise<CronJob> {
  return call<CronJob>(admin, "cron.add", {
    name,
    schedule: { kind: "every", everyMs: 3_600_000 },
    sessionTarget: "isolated",
    wakeMode: "now",
    payload: { kind: "agentTurn", message, deliver: true, to: `telegram:${CHAT}` },
  });
}

async function lastRun(c: RawClient, id: string): Promise<CronRunLogEntry> {
  const { entries } = await call<Result<"cron.runs">>(c, "cron.runs", { id });
  assert.ok(entries.length > 0, "no run recorded");
  return entries.at(-1)!;
}

test("the reply goes out through the outbox; a failed attempt is retried and both are recorded on the run", async (t) => {
  const fake = await fakeFor(t);
  const { admin } = await startTelegramGateway(t, fake);
  knownChat(fake);
  const job = await deliveringJob(admin, "report", "daily report");
  fake.fail("sendMessage", { kind: "error", code: 500 }, { when: (p) => String(p["chat_id"]) === String(CHAT) });
  const run = await call<Result<"cron.run">>(admin, "cron.run", { id: job.id });
  assert.deepEqual([run.ran, run.entry?.status, run.entry?.deliveryStatus], [true, "ok", "pending"]);

  await eventually("delivered", async () => (await lastRun(admin, job.id)).deliveryStatus === "delivered", 20_000);
  const entry = await lastRun(admin, job.id);
  assert.equal(entry.delivered, true);
  assert.equal(entry.deliveryAttempts, 2);
  assert.equal(entry.deliveryErrors?.length, 1);
  assert.match(entry.deliveryErrors![0]!, /500/);
  assert.ok(entry.outboxId);
  assert.deepEqual(fake.delivered(CHAT), ["echo: daily report"]);
  assert.deepEqual(
    fake.callsOf("sendMessage").filter((c) => String(c.params["chat_id"]) === String(CHAT)).map((c) => c.outcome),
    ["error", "ok"],
  );
  // The job's state and a `cron` event say so too.
  await eventually("the job's state says delivered", async () => (await call<Result<"cron.list">>(admin, "cron.list")).jobs[0]!.state.lastDeliveryStatus === "delivered");
  assert.ok(admin.frames.some((f) => f.type === "event" && f.event === "cron" && (f.payload as { action?: string; deliveryStatus?: string }).deliveryStatus === "delivered"));
});

test("a delivery Telegram refuses for good is recorded as not delivered, with the reason", async (t) => {
  const fake = await fakeFor(t);
  const { admin } = await startTelegramGateway(t, fake);
  knownChat(fake);
  const job = await deliveringJob(admin, "refused", "hello");
  fake.fail("sendMessage", { kind: "error", code: 400, description: "Bad Request: chat not found" });
  await call(admin, "cron.run", { id: job.id });
  await eventually("given up", async () => (await lastRun(admin, job.id)).deliveryStatus === "not-delivered", 20_000);
  const entry = await lastRun(admin, job.id);
  assert.equal(entry.delivered, false);
  assert.match(entry.deliveryError ?? "", /chat not found/);
  assert.equal(entry.status, "ok", "the run itself succeeded");
  assert.deepEqual(fake.delivered(CHAT), []);
});

test("`clawdbot cron add --every 1m --message ping --deliver --to telegram:<id>` delivers the reply through the fake", async (t) => {
  const fake = await fakeFor(t);
  const { gw, admin } = await startTelegramGateway(t, fake);
  knownChat(fake);
  const added = await cli(gw, ["cron", "add", "--every", "1m", "--message", "ping", "--deliver", "--to", `telegram:${CHAT}`, "--json"]);
  assert.equal(added.code, 0, show(added));
  const job = json<CronJob>(added);
  assert.deepEqual(job.schedule, { kind: "every", everyMs: 60_000 });
  assert.deepEqual(job.payload, { kind: "agentTurn", message: "ping", deliver: true, to: `telegram:${CHAT}` });
  assert.equal(job.sessionTarget, "isolated");

  const ran = await cli(gw, ["cron", "run", job.id]);
  assert.equal(ran.code, 0, show(ran));
  assert.match(ran.stdout, /ok \(manual, \d+ ms\) {2}echo: ping/);
  await eventually("the reply reached the chat", () => fake.delivered(CHAT).includes("echo: ping"), 20_000);
  await eventually("recorded as delivered", async () => (await lastRun(admin, job.id)).deliveryStatus === "delivered", 20_000);

  const runs = await cli(gw, ["cron", "runs", job.id]);
  assert.match(runs.stdout, /delivery delivered after 1 attempt\(s\)/);
  const list = await cli(gw, ["cron", "list"]);
  assert.match(list.stdout, new RegExp(`^${job.id} {2}ping\\n {2}every 1m; "ping" → telegram:${CHAT} in isolated`, "m"));
});

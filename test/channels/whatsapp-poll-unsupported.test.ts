// The `poll` method on a configured channel that has no polls (Telegram here) is refused with a
// clear INVALID_REQUEST, and nothing is sent.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fakeFor, startTelegramGateway } from "./harness.js";

test("poll on Telegram: INVALID_REQUEST 'unsupported poll channel', nothing sent", async (t) => {
  const fake = await fakeFor(t);
  const { admin } = await startTelegramGateway(t, fake, { dmPolicy: "open" });
  const res = await admin.request("poll", { to: "telegram:5", question: "Lunch?", options: ["a", "b"], idempotencyKey: "p-tg" });
  assert.equal(res.ok, false);
  assert.equal(res.error?.code, "INVALID_REQUEST");
  assert.match(String(res.error?.message), /unsupported poll channel: telegram has no polls/);
  assert.equal(fake.callsOf("sendPoll").length + fake.callsOf("sendMessage").length, 0);
});

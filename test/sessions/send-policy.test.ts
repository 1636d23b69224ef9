// A session whose send policy is "deny" keeps the agent's replies in its transcript: nothing goes
// back to the chat. "allow" (or clearing it) sends again. grammY runs against the fake Bot API.
import { test } from "node:test";
import assert from "node:assert/strict";
import { call, eventually, fakeFor, history, replyIn, startTelegramGateway } from "../channels/harness.js";

test("sendPolicy deny: the reply stays in the transcript and never reaches the Telegram chat", async (t) => {
  const fake = await fakeFor(t);
  const { admin } = await startTelegramGateway(t, fake, { dmPolicy: "open" });
  const key = "agent:main:telegram:dm:51";
  await call(admin, "sessions.patch", { key, sendPolicy: "deny" });
  fake.pushMessage({ from: 51, text: "are you there?" });
  await eventually("the turn is in the transcript", async () => (await history(admin, key)).includes("assistant: echo: are you there?"));
  // The next message is answered only after the policy is cleared: it is the first reply the chat sees.
  await call(admin, "sessions.patch", { key, sendPolicy: null });
  fake.pushMessage({ from: 51, text: "hello again" });
  await replyIn(fake, 51, "echo: hello again");
  assert.deepEqual(fake.delivered(51), ["echo: hello again"]);
});

// `send` and `chat.send` with what the reference CLI and Control UI send.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fakeFor, telegramConfig } from "../channels/harness.js";
import { tempDir } from "../cli/run-cli.js";
import { eventually } from "../support/wait.js";
import { compatGateway } from "./support.js";

test("send: gifPlayback sends the media as an animation; the result carries runId (the idempotencyKey)", async (t) => {
  const fake = await fakeFor(t);
  fake.world.addChat({ id: 55, type: "private", first_name: "Gif" } as never);
  const { op } = await compatGateway(t, { file: telegramConfig(fake) });
  await eventually("telegram running", async () => (await op.client.call("channels.status", {})).channelAccounts["telegram"]?.[0]?.running === true);
  const dir = await tempDir(t);
  const gif = join(dir, "party.gif");
  await writeFile(gif, Buffer.from("GIF89a"));
  const idempotencyKey = randomUUID();
  const res = await op.client.call("send", { to: "55", channel: "telegram", message: "look", mediaUrl: gif, gifPlayback: true, idempotencyKey });
  assert.equal(res.runId, idempotencyKey);
  assert.equal(res.status, "sent");
  const call = await fake.waitForCall((c) => c.method === "sendAnimation", 10_000, "sendAnimation");
  assert.equal(call.outcome, "ok");
  assert.equal(fake.callsOf("sendDocument").length + fake.callsOf("sendPhoto").length, 0);
  // Without the flag the same file is a photo.
  await op.client.call("send", { to: "55", channel: "telegram", message: "still", mediaUrl: gif, gifPlayback: false, idempotencyKey: randomUUID() });
  assert.equal(fake.callsOf("sendPhoto").length, 1);
});

test("chat.send: an empty message with attachments runs (image-only messages); empty without attachments is refused", async (t) => {
  const { op } = await compatGateway(t);
  const png = Buffer.from("89504e470d0a1a0a", "hex").toString("base64");
  const res = await op.client.call("chat.send", {
    sessionKey: "main",
    message: "",
    attachments: [{ type: "image", mimeType: "image/png", fileName: "shot.png", content: `data:image/png;base64,${png}` }],
    idempotencyKey: randomUUID(),
  });
  const final = await op.event((e) => e.event === "chat" && (e.payload as { runId: string; state: string }).runId === res.runId && (e.payload as { state: string }).state === "final", "final chat event");
  const msg = (final.payload as { message: { content: { text: string }[] } }).message;
  assert.equal(msg.content[0]!.text, "echo: [image/png: shot.png]");
  const history = await op.client.call("chat.history", { sessionKey: "main" });
  assert.equal(history.messages[0]!.content[0]!.text, "[image/png: shot.png]", "the transcript shows what was attached");
  const empty = await op.client.call("chat.send", { sessionKey: "main", message: "", idempotencyKey: randomUUID() }).catch((e: { code: string; message: string }) => e);
  assert.equal((empty as { code: string }).code, "INVALID_REQUEST");
  assert.match((empty as { message: string }).message, /message or at least one attachment/);
});

// The fake Bot API itself, driven by grammY's own Api client: the tests of the Telegram channel are
// only as good as the fake is faithful, so its Telegram behaviours are pinned down here.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { Api, GrammyError, HttpError, InputFile } from "grammy";
import { FakeTelegram } from "../fakes/telegram/server.js";
import { rejection } from "../support/wait.js";

async function fakeFor(t: TestContext): Promise<{ fake: FakeTelegram; api: Api }> {
  const fake = await FakeTelegram.start();
  t.after(() => fake.stop());
  return { fake, api: new Api(fake.token, { apiRoot: fake.apiRoot }) };
}

test("getMe answers the bot; a wrong token is 401 and an unknown method 404, each recorded", async (t) => {
  const { fake, api } = await fakeFor(t);
  const me = await api.getMe();
  assert.equal(me.username, fake.bot.username);
  assert.equal(me.is_bot, true);

  const wrong = new Api("999:nope", { apiRoot: fake.apiRoot });
  const err = await rejection(wrong.getMe());
  assert.ok(err instanceof GrammyError);
  assert.equal(err.error_code, 401);
  assert.equal(err.description, "Unauthorized");

  const unknown = await rejection(api.raw.getMyStarBalance());
  assert.ok(unknown instanceof GrammyError);
  assert.equal(unknown.error_code, 404);
  assert.deepEqual(
    fake.calls.map((c) => [c.method, c.outcome, c.errorCode ?? null]),
    [
      ["getMe", "ok", null],
      ["getMe", "error", 401],
      ["getMyStarBalance", "error", 404],
    ],
  );
});

test("getUpdates holds until an update is queued, and an offset confirms (drops) what came before it", async (t) => {
  const { fake, api } = await fakeFor(t);
  const held = api.getUpdates({ timeout: 30 });
  await fake.waitForCall((c) => c.method === "getUpdates" && c.outcome === "pending");
  assert.equal(fake.openCount("getUpdates"), 1);
  const { message, update } = fake.pushMessage({ from: 42, text: "hi" });
  const first = await held;
  assert.deepEqual(first.map((u) => u.update_id), [update.update_id]);
  assert.equal(first[0]?.message?.text, "hi");
  assert.equal(first[0]?.message?.chat.type, "private");
  assert.equal(first[0]?.message?.message_id, message.message_id);

  // Not confirmed yet: served again.
  assert.deepEqual((await api.getUpdates({ timeout: 0 })).map((u) => u.update_id), [update.update_id]);
  fake.pushMessage({ from: 42, text: "second" });
  const next = await api.getUpdates({ offset: update.update_id + 1, timeout: 0 });
  assert.deepEqual(next.map((u) => u.message?.text), ["second"]);
  assert.equal(fake.updates.size, 1);
});

test("an empty long poll ends after `timeout` seconds with no updates", async (t) => {
  const { fake, api } = await fakeFor(t);
  assert.deepEqual(await api.getUpdates({ timeout: 1 }), []);
  assert.equal(fake.callsOf("getUpdates")[0]?.outcome, "ok");
});

test("a second concurrent getUpdates terminates the held one with 409 Conflict", async (t) => {
  const { fake, api } = await fakeFor(t);
  const older = rejection(api.getUpdates({ timeout: 30 }));
  await fake.waitForCall((c) => c.method === "getUpdates" && c.outcome === "pending");
  const newer = api.getUpdates({ timeout: 30 });
  const err = await older;
  assert.ok(err instanceof GrammyError);
  assert.equal(err.error_code, 409);
  assert.match(err.description, /terminated by other getUpdates request/);
  fake.pushMessage({ from: 5, text: "to the survivor" });
  assert.equal((await newer)[0]?.message?.text, "to the survivor");
});

test("an active webhook makes getUpdates fail with 409 until deleteWebhook", async (t) => {
  const { api } = await fakeFor(t);
  await api.setWebhook("https://example.invalid/hook");
  const err = await rejection(api.getUpdates({ timeout: 0 }));
  assert.ok(err instanceof GrammyError);
  assert.equal(err.error_code, 409);
  await api.deleteWebhook();
  assert.deepEqual(await api.getUpdates({ timeout: 0 }), []);
});

test("sendMessage returns a Message from the bot, honours reply_parameters and rejects what Telegram rejects", async (t) => {
  const { fake, api } = await fakeFor(t);
  const { message: inbound } = fake.pushMessage({ from: 42, text: "question" });
  const sent = await api.sendMessage(42, "answer", { reply_parameters: { message_id: inbound.message_id } });
  assert.equal(sent.text, "answer");
  assert.equal(sent.from?.id, fake.bot.id);
  assert.equal(sent.chat.id, 42);
  assert.ok(sent.message_id > inbound.message_id);
  assert.equal(sent.reply_to_message?.message_id, inbound.message_id);

  const cases: [Promise<unknown>, RegExp][] = [
    [api.sendMessage(43, "nobody there"), /chat not found/],
    [api.sendMessage(42, "x".repeat(4097)), /message is too long/],
    [api.sendMessage(42, "  "), /message text is empty/],
    [api.sendMessage(42, "late", { reply_parameters: { message_id: 9999 } }), /message to be replied not found/],
    [api.sendChatAction(42, "dancing" as "typing"), /wrong parameter action/],
  ];
  for (const [p, description] of cases) {
    const err = await rejection(p);
    assert.ok(err instanceof GrammyError);
    assert.equal(err.error_code, 400);
    assert.match(err.description, description);
  }
  const ok = await api.sendMessage(42, "gone", { reply_parameters: { message_id: 9999, allow_sending_without_reply: true } });
  assert.equal(ok.reply_to_message, undefined);
  assert.deepEqual(fake.delivered(42), ["answer", "gone"]);
});

test("sendPhoto uploads as multipart/form-data; the bytes come back through getFile and the file URL", async (t) => {
  const { fake, api } = await fakeFor(t);
  fake.pushMessage({ from: 42, text: "send me a picture" });
  const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 1, 2, 255]);
  const sent = await api.sendPhoto(42, new InputFile(bytes, "pic.png"), { caption: "a caption", reply_parameters: { message_id: 1 } });
  const call = fake.callsOf("sendPhoto")[0]!;
  assert.equal(call.files.length, 1);
  assert.equal(call.files[0]?.filename, "pic.png");
  assert.deepEqual(call.files[0]?.bytes, bytes);
  assert.equal(call.params["caption"], "a caption");
  assert.deepEqual(call.params["reply_parameters"], { message_id: 1 });
  assert.equal(sent.caption, "a caption");

  const largest = sent.photo?.at(-1);
  assert.ok(largest);
  const file = await api.getFile(largest.file_id);
  const res = await fetch(`${fake.apiRoot}/file/bot${fake.token}/${file.file_path}`);
  assert.deepEqual(Buffer.from(await res.arrayBuffer()), bytes);

  const byUrl = await api.sendDocument(42, "https://example.invalid/report.pdf");
  assert.equal(byUrl.document?.file_name, "report.pdf");
  assert.equal(fake.callsOf("sendDocument")[0]?.params["document"], "https://example.invalid/report.pdf");
});

test("injected faults: 429 with retry_after, 500, a cut connection, and a hang that only the client can end", async (t) => {
  const { fake, api } = await fakeFor(t);
  fake.pushMessage({ from: 42, text: "hello" });
  fake.fail("sendMessage", { kind: "error", code: 429, retryAfter: 3 });
  fake.fail("sendMessage", { kind: "error", code: 500 });
  fake.fail("sendMessage", { kind: "destroy" });

  const limited = await rejection(api.sendMessage(42, "a"));
  assert.ok(limited instanceof GrammyError);
  assert.equal(limited.error_code, 429);
  assert.equal(limited.parameters.retry_after, 3);
  const broken = await rejection(api.sendMessage(42, "b"));
  assert.ok(broken instanceof GrammyError);
  assert.equal(broken.error_code, 500);
  assert.ok((await rejection(api.sendMessage(42, "c"))) instanceof HttpError);
  assert.equal((await api.sendMessage(42, "d")).text, "d");

  fake.fail("getUpdates", { kind: "hang" }, { times: Infinity });
  const controller = new AbortController();
  const polled = rejection(api.getUpdates({ timeout: 0 }, controller.signal as Parameters<Api["getUpdates"]>[1]));
  const hung = await fake.waitForCall((c) => c.method === "getUpdates" && c.outcome === "hung");
  assert.equal(fake.openCount("getUpdates"), 1);
  controller.abort();
  assert.ok((await polled) instanceof HttpError);
  await fake.waitForCall((c) => c === hung && c.endedAt !== undefined, 5000, "closed hung poll");
  assert.equal(fake.openCount("getUpdates"), 0);
  assert.deepEqual(
    fake.callsOf("sendMessage").map((c) => c.outcome),
    ["error", "error", "destroyed", "ok"],
  );
  assert.deepEqual(fake.delivered(42), ["d"]);
});

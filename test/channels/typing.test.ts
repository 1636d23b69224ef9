// TypingIndicators: one indicator per chat, refreshed while held, gone with the last holder.
import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import pino from "pino";
import { TypingIndicators } from "../../sidecar/src/channels/typing.js";
import { eventually } from "../support/wait.js";

const quiet = pino({ level: "silent" });

test("two holders of one chat send once: the chat action goes out per chat, not per holder", async () => {
  // An interval no test run reaches, so every send seen here is a first send.
  const typing = new TypingIndicators(3_600_000, quiet);
  const sent: string[] = [];
  const send = (chat: string) => async () => void sent.push(chat);
  const a = typing.hold("tg:1", send("tg:1"));
  const b = typing.hold("tg:1", send("tg:1"));
  const c = typing.hold("tg:2", send("tg:2"));
  await eventually("the first chat actions", () => sent.length >= 2, 5000);
  await sleep(50);
  assert.deepEqual(sent, ["tg:1", "tg:2"], "sent at once, once per chat");
  await Promise.all([a(), b(), c()]);
  assert.equal(typing.size, 0);
});

test("a chat is refreshed while any holder holds it and stops after the last release", async () => {
  const typing = new TypingIndicators(30, quiet);
  const sent: string[] = [];
  const send = (chat: string) => async () => void sent.push(chat);
  const count = (chat: string) => sent.filter((s) => s === chat).length;
  const a = typing.hold("tg:1", send("tg:1"));
  const b = typing.hold("tg:1", send("tg:1"));
  const c = typing.hold("tg:2", send("tg:2"));
  await eventually("the first chat actions", () => count("tg:1") >= 1 && count("tg:2") >= 1, 5000);
  await a();
  await c();
  const tg2AtRelease = count("tg:2");
  const tg1AtRelease = count("tg:1");
  await eventually("tg:1 refreshed while b holds it", () => count("tg:1") >= tg1AtRelease + 2, 5000);
  assert.equal(count("tg:2"), tg2AtRelease, "tg:2 stopped with its only holder");
  await b();
  await a();
  const after = sent.length;
  await sleep(100);
  assert.equal(sent.length, after, "nothing more after the last release");
  assert.equal(typing.size, 0);
});

test("a send that throws synchronously is contained like a rejection", async () => {
  const typing = new TypingIndicators(10, quiet);
  let calls = 0;
  const release = typing.hold("tg:4", () => {
    calls++;
    throw new Error("boom");
  });
  await eventually("retried on the interval", () => calls >= 3, 5000);
  await release();
  const after = calls;
  await sleep(50);
  assert.equal(calls, after);
});

test("a slow chat action is not stacked, a failing one is logged and retried, and the last release waits for one in flight", async () => {
  const typing = new TypingIndicators(20, quiet);
  let calls = 0;
  let finish: (() => void) | undefined;
  const release = typing.hold("tg:3", () => {
    calls++;
    if (calls === 2) return Promise.reject(new Error("429"));
    return new Promise<void>((resolve) => (finish = resolve));
  });
  await eventually("the first chat action", () => calls === 1, 5000);
  await sleep(80);
  assert.equal(calls, 1, "no second request while the first is unanswered");
  finish!();
  await eventually("refreshing goes on after a failure", () => calls >= 3, 5000);
  let settled = false;
  const done = release().then(() => (settled = true));
  await sleep(10);
  assert.equal(settled, false, "the release waits for the request in flight");
  finish!();
  await done;
  assert.equal(settled, true);
});

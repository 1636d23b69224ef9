// Stopping discord.js at the awkward moments of its gateway life: while it waits for HELLO, while
// it waits for READY after IDENTIFY, and with a reconnect already scheduled (INVALID_SESSION).
// Each client runs in a process of its own, which must then exit by itself: the destroy settled,
// closed its socket and left no reconnect, socket or timer behind.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { discordFakeFor } from "./discord-harness.js";
import { eventually } from "../support/wait.js";
import type { FakeDiscord } from "../fakes/discord/server.js";
import { defer } from "./cleanup.js";
import type { TestContext } from "node:test";

const CHILD = fileURLToPath(new URL("./discord-stop-child.ts", import.meta.url));

interface Stopped {
  code: number | null;
  out: string;
}

/** The child client for `fake`, destroyed on a line from the test or on its first ShardReconnecting. */
function client(t: TestContext, fake: FakeDiscord, when: "stdin" | "reconnecting"): { child: ChildProcess; exited: Promise<Stopped> } {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD, fake.apiBase, fake.token, when], { stdio: ["pipe", "pipe", "inherit"] });
  defer(t, () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  const exited = once(child, "exit").then(([code]) => ({ code: code as number | null, out }));
  return { child, exited };
}

/** The child's exit, failing (and describing the fake) if it is still running after `ms`. */
async function exitOf(fake: FakeDiscord, exited: Promise<Stopped>, ms = 60_000): Promise<Stopped> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the stopped client's process did not exit within ${ms} ms:\n${fake.describe()}`)), ms);
  });
  try {
    return await Promise.race([exited, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** The child's exit once destroyed: by itself, with its one socket closed and no other opened. */
async function exitsClean(fake: FakeDiscord, exited: Promise<Stopped>): Promise<void> {
  const stopped = await exitOf(fake, exited);
  assert.equal(stopped.code, 0);
  assert.match(stopped.out, /^destroyed$/m);
  assert.equal(fake.gateway.liveCount, 0);
  assert.equal(fake.gateway.opened, 1, "no socket after the stop");
}

test("destroying discord.js while it waits for READY settles, closes the socket and never reconnects", async (t) => {
  const fake = await discordFakeFor(t);
  fake.gateway.holdReady = true;
  const { child, exited } = client(t, fake, "stdin");
  await eventually("IDENTIFY sent", () => fake.gateway.received("Identify").length === 1, 60_000);
  child.stdin!.end("stop\n");
  await exitsClean(fake, exited);
  assert.equal(fake.gateway.received("Identify").length, 1);
});

test("destroying discord.js while it waits for HELLO settles, closes the socket and never reconnects", async (t) => {
  const fake = await discordFakeFor(t);
  fake.gateway.holdHello = true;
  const { child, exited } = client(t, fake, "stdin");
  await eventually("the gateway socket open", () => fake.gateway.opened === 1, 60_000);
  child.stdin!.end("stop\n");
  await exitsClean(fake, exited);
  assert.equal(fake.gateway.received("Identify").length, 0);
});

test("destroying discord.js with a reconnect scheduled after INVALID_SESSION opens no new socket", async (t) => {
  const fake = await discordFakeFor(t);
  const { exited } = client(t, fake, "reconnecting");
  await eventually("READY sent", () => fake.gateway.frames.of("out:READY").length === 1, 60_000);
  fake.gateway.invalidateSession(false);
  await exitsClean(fake, exited);
  assert.equal(fake.gateway.received("Identify").length, 1);
});

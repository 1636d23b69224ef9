// The session index beside the transcripts: the transcripts stay the source of truth, so an index
// that is deleted, damaged or stale (transcripts changed behind its back, or a crash before the
// counts were written) is rebuilt from them at start-up, ids and settings included.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { appendFile, mkdir, mkdtemp, readFile, rm, stat, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Result } from "@clawdbot/protocol";
import { startGateway, type TestGateway } from "../support/gateway.js";
import { connectRaw, type RawClient } from "../support/raw-client.js";
import { call } from "../channels/harness.js";
import { rows, texts, turn, type SessionRow } from "./support.js";

async function stateDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "clawdbot-sessions-"));
  t.after(() => rm(dir, { recursive: true, force: true, maxRetries: 5 }));
  return dir;
}

/** A gateway on `dir` with an admin UI client; stop() closes both. */
async function open(dir: string): Promise<{ gw: TestGateway; c: RawClient; stop: () => Promise<void> }> {
  const gw = await startGateway({ stateDir: dir });
  const { client, res } = await connectRaw(gw.url, { mode: "ui" });
  assert.equal(res.ok, true, JSON.stringify(res));
  return { gw, c: client, stop: async () => (client.close(), await gw.stop()) };
}

/** The rows that survive a rebuild unchanged (no volatile fields). */
function stable(r: SessionRow | undefined): unknown {
  return r && { key: r.key, sessionId: r.sessionId, label: r.label, thinkingLevel: r.thinkingLevel, messageCount: r.messageCount, createdAt: r.createdAt, updatedAt: r.updatedAt };
}

/** Three sessions with messages and settings; returns the rows as listed. */
async function seed(dir: string): Promise<Map<string, SessionRow>> {
  const { c, stop } = await open(dir);
  try {
    await turn(c, "main", "owner");
    await turn(c, "a", "one");
    await turn(c, "a", "two");
    await call(c, "sessions.patch", { key: "a", label: "Alpha", thinkingLevel: "medium" });
    await turn(c, "agent:main:telegram:group:-100", "group chat");
    return await rows(c);
  } finally {
    await stop();
  }
}

test("an index that is deleted is rebuilt from the transcripts: same ids, labels, settings and counts", async (t) => {
  const dir = await stateDir(t);
  const before = await seed(dir);
  const index = join(dir, "sessions", "sessions.json");
  assert.equal((await stat(index)).mode & 0o777, 0o600);
  await unlink(index);

  const { c, stop } = await open(dir);
  t.after(stop);
  const after = await rows(c);
  assert.deepEqual([...after.keys()].sort(), [...before.keys()].sort());
  for (const key of before.keys()) assert.deepEqual(stable(after.get(key)), stable(before.get(key)), key);
  assert.equal(after.get("agent:main:telegram:group:-100")!.kind, "group");
  // And it was written again.
  const written = JSON.parse(await readFile(index, "utf8")) as { sessions: Record<string, unknown> };
  assert.deepEqual(Object.keys(written.sessions).sort(), [...before.keys()].sort());
});

test("a damaged index is set aside and rebuilt; the gateway starts normally", async (t) => {
  const dir = await stateDir(t);
  const before = await seed(dir);
  const index = join(dir, "sessions", "sessions.json");
  await writeFile(index, '{"version":1,"sessions":{"a":{"sessionId":', { mode: 0o600 });

  const { gw, c, stop } = await open(dir);
  t.after(stop);
  const after = await rows(c);
  for (const key of before.keys()) assert.deepEqual(stable(after.get(key)), stable(before.get(key)), key);
  assert.match(await readFile(`${index}.damaged`, "utf8"), /"sessionId":$/);
  assert.ok(gw.logs.tail(undefined, 1000, 1_000_000).lines.some((l) => l.includes("session index damaged")));

  // An index that parses but does not match its schema is treated the same way.
  await stop();
  await writeFile(index, JSON.stringify({ version: 1, sessions: { a: { sessionId: 42 } } }));
  const again = await open(dir);
  t.after(again.stop);
  assert.deepEqual(stable((await rows(again.c)).get("a")), stable(before.get("a")));
});

test("an index left stale (transcript appended while the gateway was down, or a crash) is brought up to date", async (t) => {
  const dir = await stateDir(t);
  const before = await seed(dir);
  // A message written behind the index's back: the transcript's size and mtime no longer match.
  const line = { role: "user", content: [{ type: "text", text: "added offline" }], timestamp: Date.now() + 1000 };
  await appendFile(join(dir, "sessions", "a.jsonl"), `${JSON.stringify(line)}\n`);

  const { c, stop } = await open(dir);
  t.after(stop);
  const a = (await rows(c, { includeLastMessage: true })).get("a")!;
  assert.equal(a.messageCount, before.get("a")!.messageCount + 1);
  assert.equal(a.lastMessage?.text, "added offline");
  assert.deepEqual([a.sessionId, a.label], [before.get("a")!.sessionId, "Alpha"]);
  assert.deepEqual((await texts(c, "a")).at(-1), "user: added offline");
});

test("a transcript written before session headers existed gets a stable id across rebuilds", async (t) => {
  const dir = await stateDir(t);
  const { stop } = await open(dir);
  await stop();
  await mkdir(join(dir, "sessions"), { recursive: true, mode: 0o700 });
  const msg = (text: string, role: string, ts: number) => JSON.stringify({ role, content: [{ type: "text", text }], timestamp: ts });
  await writeFile(join(dir, "sessions", "old.jsonl"), `${msg("hi", "user", 1000)}\n${msg("echo: hi", "assistant", 2000)}\n`, { mode: 0o600 });
  await unlink(join(dir, "sessions", "sessions.json")).catch(() => undefined);

  const first = await open(dir);
  const row = (await rows(first.c)).get("old")!;
  assert.deepEqual([row.messageCount, row.createdAt, row.updatedAt], [2, 1000, 2000]);
  await first.stop();
  await unlink(join(dir, "sessions", "sessions.json"));
  const second = await open(dir);
  t.after(second.stop);
  assert.equal((await rows(second.c)).get("old")!.sessionId, row.sessionId);
  // The old session keeps working and keeps its id.
  await turn(second.c, "old", "still here");
  assert.equal((await rows(second.c)).get("old")!.sessionId, row.sessionId);
});

test("sessions.reset and sessions.delete survive a restart: archived transcripts are not resurrected", async (t) => {
  const dir = await stateDir(t);
  await seed(dir);
  const first = await open(dir);
  const reset = await call<Result<"sessions.reset">>(first.c, "sessions.reset", { key: "a" });
  await call(first.c, "sessions.delete", { key: "agent:main:telegram:group:-100" });
  await first.stop();
  await unlink(join(dir, "sessions", "sessions.json"));

  const { c, stop } = await open(dir);
  t.after(stop);
  const after = await rows(c);
  assert.deepEqual([...after.keys()].sort(), ["a", "main"]);
  assert.deepEqual([after.get("a")!.sessionId, after.get("a")!.messageCount, after.get("a")!.label], [reset.entry.sessionId, 0, "Alpha"]);
});

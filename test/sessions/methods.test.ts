// sessions.* on real transcripts through the WebSocket: list, preview, resolve, patch, reset (old
// transcript archived), delete (main protected; archived or deleted), compact (older lines
// archived), chat.inject, and chat.history's sessionId/thinkingLevel.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Result } from "@clawdbot/protocol";
import { call } from "../channels/harness.js";
import { agentEvents, chatEnd, gatewayFor, uiClient } from "../agent/wire.js";
import { refused, rows, texts, turn } from "./support.js";

test("sessions.list: every session with its counts, last activity first, model and backend; filters by label, search and activity", async (t) => {
  const gw = await gatewayFor(t);
  const c = await uiClient(t, gw);
  await turn(c, "alpha", "one");
  await turn(c, "beta", "two");
  await turn(c, "beta", "three");
  await turn(c, "agent:main:telegram:dm:42", "from a peer");

  const res = await call<Result<"sessions.list">>(c, "sessions.list", { includeLastMessage: true });
  assert.deepEqual(res.sessions.map((r) => r.key), ["agent:main:telegram:dm:42", "beta", "alpha"], "most recent first");
  assert.equal(res.path, join(gw.stateDir, "sessions", "sessions.json"));
  assert.deepEqual(res.defaults, { model: "echo", modelProvider: "echo", contextTokens: null });
  const byKey = new Map(res.sessions.map((r) => [r.key, r]));
  const beta = byKey.get("beta")!;
  assert.equal(beta.messageCount, 4);
  assert.equal(beta.kind, "direct");
  assert.equal(beta.model, "echo");
  assert.equal(beta.modelProvider, "echo");
  assert.equal(beta.active, false);
  assert.deepEqual(beta.lastMessage && { role: beta.lastMessage.role, text: beta.lastMessage.text }, { role: "assistant", text: "echo: three" });
  assert.equal(beta.lastMessagePreview, "echo: three");
  assert.ok(beta.updatedAt !== null && beta.updatedAt >= byKey.get("alpha")!.updatedAt!);
  const peer = byKey.get("agent:main:telegram:dm:42")!;
  assert.deepEqual({ channel: peer.channel, peer: peer.peer, kind: peer.kind }, { channel: "telegram", peer: "42", kind: "direct" });

  // Without includeLastMessage the rows stay small.
  assert.equal((await rows(c)).get("beta")!.lastMessage, undefined);
  assert.deepEqual([...(await rows(c, { limit: 1 })).keys()], ["agent:main:telegram:dm:42"]);
  assert.deepEqual([...(await rows(c, { search: "ALP" })).keys()], ["alpha"]);
  assert.equal((await rows(c, { activeMinutes: 5 })).size, 3);
  await call(c, "sessions.patch", { key: "alpha", label: "Morning" });
  assert.deepEqual([...(await rows(c, { label: "Morning" })).keys()], ["alpha"]);
  assert.deepEqual([...(await rows(c, { search: "morn" })).keys()], ["alpha"]);
});

test("sessions.list marks a session whose run is under way as active", async (t) => {
  const gw = await gatewayFor(t, { file: { agent: { backend: "command", command: { argv: ["sh", "-c", "sleep 1; cat"] } } } });
  const c = await uiClient(t, gw);
  const sent = await call<{ runId: string }>(c, "chat.send", { sessionKey: "busy", message: "slow", idempotencyKey: "busy-1" });
  // The transcript gets the user line first; from then the session is listed, and active.
  let row = (await rows(c)).get("busy");
  for (let i = 0; !row; i++) {
    assert.ok(i < 500, "the session never appeared");
    await new Promise((r) => setTimeout(r, 10));
    row = (await rows(c)).get("busy");
  }
  assert.equal(row.active, true);
  await chatEnd(c, sent.runId);
  assert.equal((await rows(c)).get("busy")!.active, false);
});

test("sessions.preview: the last messages per key, shortened; unknown keys are missing", async (t) => {
  const gw = await gatewayFor(t);
  const c = await uiClient(t, gw);
  await turn(c, "p", "a".repeat(500));
  await turn(c, "p", "second");
  const res = await call<Result<"sessions.preview">>(c, "sessions.preview", { keys: ["p", "nobody"], limit: 3, maxChars: 20 });
  const [p, nobody] = res.previews;
  assert.equal(p!.status, "ok");
  assert.deepEqual(p!.items.map((i) => [i.role, i.text]), [
    ["assistant", `echo: ${"a".repeat(13)}…`],
    ["user", "second"],
    ["assistant", "echo: second"],
  ]);
  assert.ok(p!.items.every((i) => i.text.length <= 20));
  assert.deepEqual(nobody, { key: "nobody", status: "missing", items: [] });
  // A session with settings but no messages yet previews as empty.
  await call(c, "sessions.patch", { key: "fresh", label: "Fresh" });
  assert.equal((await call<Result<"sessions.preview">>(c, "sessions.preview", { keys: ["fresh"] })).previews[0]!.status, "empty");
});

test("sessions.resolve finds a session by key, session id or label, and names what it could not find", async (t) => {
  const gw = await gatewayFor(t);
  const c = await uiClient(t, gw);
  await turn(c, "r1", "hi");
  await call(c, "sessions.patch", { key: "r1", label: "Work" });
  const { sessionId } = (await rows(c)).get("r1")!;
  for (const params of [{ key: "r1" }, { sessionId }, { label: "Work" }]) {
    assert.deepEqual(await call(c, "sessions.resolve", params), { ok: true, key: "r1", sessionId });
  }
  await refused(c, "sessions.resolve", { label: "Play" }, "NOT_FOUND", /label "Play"/);
  await refused(c, "sessions.resolve", { key: "r1", label: "Work" }, "INVALID_REQUEST", /exactly one/);
  await refused(c, "sessions.resolve", {}, "INVALID_REQUEST", /exactly one/);
});

test("sessions.patch sets and clears label, model, thinking level and send policy; labels are unique, models must be offered", async (t) => {
  const gw = await gatewayFor(t);
  const c = await uiClient(t, gw);
  await turn(c, "s", "hi");
  const patched = await call<Result<"sessions.patch">>(c, "sessions.patch", { key: "s", label: "Mine", model: "echo", thinkingLevel: "high", sendPolicy: "deny" });
  assert.deepEqual({ ...patched.entry, createdAt: 0, updatedAt: 0 }, {
    sessionId: (await rows(c)).get("s")!.sessionId,
    createdAt: 0,
    updatedAt: 0,
    messageCount: 2,
    label: "Mine",
    model: "echo",
    thinkingLevel: "high",
    sendPolicy: "deny",
  });
  const row = (await rows(c)).get("s")!;
  assert.deepEqual([row.label, row.thinkingLevel, row.sendPolicy], ["Mine", "high", "deny"]);
  const history = await call<Result<"chat.history">>(c, "chat.history", { sessionKey: "s" });
  assert.equal(history.sessionId, row.sessionId);
  assert.equal(history.thinkingLevel, "high");

  const cleared = await call<Result<"sessions.patch">>(c, "sessions.patch", { key: "s", thinkingLevel: null, sendPolicy: null });
  assert.deepEqual([cleared.entry.label, cleared.entry.thinkingLevel, cleared.entry.sendPolicy], ["Mine", undefined, undefined]);
  assert.equal((await call<Result<"chat.history">>(c, "chat.history", { sessionKey: "s" })).thinkingLevel, null);
  assert.equal((await call<Result<"chat.history">>(c, "chat.history", { sessionKey: "never" })).sessionId, null);

  await turn(c, "t", "other");
  await refused(c, "sessions.patch", { key: "t", label: "Mine" }, "INVALID_REQUEST", /label "Mine" already names session s/);
  await refused(c, "sessions.patch", { key: "t", model: "gpt-9" }, "INVALID_REQUEST", /model "gpt-9" is not offered.*echo/);
  await refused(c, "sessions.patch", { key: "t", thinkingLevel: "extreme" }, "INVALID_REQUEST", /thinkingLevel/);
  // Refused patches changed nothing.
  assert.equal((await rows(c)).get("t")!.label, undefined);
  // The settings are in the transcript too: its last header line carries them.
  const lines = (await readFile(join(gw.stateDir, "sessions", "s.jsonl"), "utf8")).trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  const headers = lines.filter((l) => l["type"] === "session");
  assert.deepEqual(headers.at(-1)?.["label"], "Mine");
  assert.equal(headers.at(-1)?.["thinkingLevel"], undefined);
});

test("sessions.reset: a new transcript and session id, the old transcript archived (not deleted), settings kept", async (t) => {
  const gw = await gatewayFor(t);
  const c = await uiClient(t, gw);
  await turn(c, "rs", "remember this");
  await call(c, "sessions.patch", { key: "rs", label: "Keep", thinkingLevel: "low" });
  const before = (await rows(c)).get("rs")!;
  const res = await call<Result<"sessions.reset">>(c, "sessions.reset", { key: "rs" });
  assert.notEqual(res.entry.sessionId, before.sessionId);
  assert.deepEqual([res.entry.messageCount, res.entry.label, res.entry.thinkingLevel], [0, "Keep", "low"]);
  assert.ok(res.archived?.startsWith(join(gw.stateDir, "sessions", "archive", "rs.reset.")), res.archived ?? "");
  const archived = await readFile(res.archived!, "utf8");
  assert.match(archived, /remember this/);
  assert.equal((await stat(res.archived!)).mode & 0o777, 0o600);
  assert.deepEqual(await texts(c, "rs"), []);
  const after = (await rows(c)).get("rs")!;
  assert.deepEqual([after.sessionId, after.messageCount, after.label], [res.entry.sessionId, 0, "Keep"]);
  await turn(c, "rs", "fresh start");
  assert.deepEqual(await texts(c, "rs"), ["user: fresh start", "assistant: echo: fresh start"]);
});

test("sessions.reset aborts a run under way first; it ends in the archived transcript", async (t) => {
  const gw = await gatewayFor(t, { file: { agent: { backend: "command", command: { argv: ["sh", "-c", "sleep 30"] } } } });
  const c = await uiClient(t, gw);
  const { runId } = await call<{ runId: string }>(c, "chat.send", { sessionKey: "long", message: "wait", idempotencyKey: "long-1" });
  await c.next((f) => f.type === "event" && f.event === "agent" && (f.payload as { runId?: string }).runId === runId);
  const res = await call<Result<"sessions.reset">>(c, "sessions.reset", { key: "long" });
  assert.equal((await chatEnd(c, runId)).state, "aborted");
  assert.match(await readFile(res.archived!, "utf8"), /"wait"/);
  assert.deepEqual(await texts(c, "long"), []);
});

test("sessions.delete: main is refused; others are archived, or deleted for good when asked", async (t) => {
  const gw = await gatewayFor(t);
  const c = await uiClient(t, gw);
  await turn(c, "main", "the owner");
  await turn(c, "gone", "bye");
  await turn(c, "erased", "bye too");

  await refused(c, "sessions.delete", { key: "main" }, "INVALID_REQUEST", /main session cannot be deleted/);
  assert.deepEqual(await texts(c, "main"), ["user: the owner", "assistant: echo: the owner"]);

  const archived = await call<Result<"sessions.delete">>(c, "sessions.delete", { key: "gone" });
  assert.equal(archived.deleted, true);
  assert.equal(archived.archived.length, 1);
  assert.match(await readFile(archived.archived[0]!, "utf8"), /bye/);
  await assert.rejects(stat(join(gw.stateDir, "sessions", "gone.jsonl")), { code: "ENOENT" });

  const erased = await call<Result<"sessions.delete">>(c, "sessions.delete", { key: "erased", deleteTranscript: true });
  assert.deepEqual([erased.deleted, erased.archived], [true, []]);
  await assert.rejects(stat(join(gw.stateDir, "sessions", "erased.jsonl")), { code: "ENOENT" });

  assert.deepEqual([...(await rows(c)).keys()], ["main"]);
  const again = await call<Result<"sessions.delete">>(c, "sessions.delete", { key: "gone" });
  assert.equal(again.deleted, false);
});

test("sessions.compact keeps the newest lines, moves the older ones to an archive, and keeps the session id", async (t) => {
  const gw = await gatewayFor(t);
  const c = await uiClient(t, gw);
  for (let i = 1; i <= 6; i++) await turn(c, "long", `m${i}`);
  const before = (await rows(c)).get("long")!;
  assert.equal(before.messageCount, 12);

  const res = await call<Result<"sessions.compact">>(c, "sessions.compact", { key: "long", maxLines: 4 });
  assert.deepEqual([res.compacted, res.kept, res.archivedLines], [true, 4, 8]);
  const archive = (await readFile(res.archived!, "utf8")).trim().split("\n");
  assert.deepEqual(archive.map((l) => (JSON.parse(l) as { content: { text: string }[] }).content[0]!.text), ["m1", "echo: m1", "m2", "echo: m2", "m3", "echo: m3", "m4", "echo: m4"]);
  assert.deepEqual(await texts(c, "long"), ["user: m5", "assistant: echo: m5", "user: m6", "assistant: echo: m6"]);
  const after = (await rows(c)).get("long")!;
  assert.deepEqual([after.sessionId, after.messageCount], [before.sessionId, 4]);

  const again = await call<Result<"sessions.compact">>(c, "sessions.compact", { key: "long", maxLines: 4 });
  assert.deepEqual([again.compacted, again.archived], [false, null]);
  await refused(c, "sessions.compact", { key: "nothing" }, "NOT_FOUND", /no session nothing/);
});

test("chat.inject adds a note to the transcript and tells chat clients, without running the agent", async (t) => {
  const gw = await gatewayFor(t);
  const c = await uiClient(t, gw);
  await turn(c, "notes", "hello");
  const agentBefore = agentEvents(c).length;
  const res = await call<Result<"chat.inject">>(c, "chat.inject", { sessionKey: "notes", message: "Remember: dentist at 3", label: "reminder" });
  const ev = await c.next((f) => f.type === "event" && f.event === "chat" && (f.payload as { runId?: string }).runId === res.messageId);
  assert.equal((ev.payload as { state: string }).state, "final");
  assert.equal(agentEvents(c).length, agentBefore, "no agent run");
  assert.deepEqual((await texts(c, "notes")).at(-1), "assistant: Remember: dentist at 3");
  const { messages } = await call<Result<"chat.history">>(c, "chat.history", { sessionKey: "notes" });
  const last = messages.at(-1) as Record<string, unknown> | undefined;
  assert.deepEqual([last?.["injected"], last?.["label"]], [true, "reminder"]);
  assert.equal((await rows(c)).get("notes")!.messageCount, 3);
  // A session that did not exist yet starts with the note.
  await call(c, "chat.inject", { sessionKey: "new-one", message: "first words" });
  assert.deepEqual(await texts(c, "new-one"), ["assistant: first words"]);
});

test("session writes need operator.admin; reading needs operator.read", async (t) => {
  const gw = await gatewayFor(t);
  const admin = await uiClient(t, gw);
  await turn(admin, "x", "hi");
  const { connectRaw } = await import("../support/raw-client.js");
  const { client } = await connectRaw(gw.url, { scopes: ["operator.read", "operator.write"] });
  t.after(() => client.close());
  assert.equal((await client.request("sessions.list", {})).ok, true);
  assert.equal((await client.request("sessions.preview", { keys: ["x"] })).ok, true);
  for (const [m, p] of [
    ["sessions.patch", { key: "x", label: "L" }],
    ["sessions.reset", { key: "x" }],
    ["sessions.delete", { key: "x" }],
    ["sessions.compact", { key: "x" }],
    ["chat.inject", { sessionKey: "x", message: "n" }],
  ] as const) {
    await refused(client, m, p, "FORBIDDEN", /operator\.admin/);
  }
  assert.equal((await rows(admin)).get("x")!.messageCount, 2);
});

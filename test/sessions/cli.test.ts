// `clawdbot sessions list|show|reset|delete|compact` as a user runs them, human and --json.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { METHODS, check, formatIssues, type MethodName, type Result } from "@clawdbot/protocol";
import { cli, json, show } from "../agent/cli.js";
import { gatewayFor, uiClient } from "../agent/wire.js";
import { rows, texts, turn } from "./support.js";

function valid<T>(method: MethodName, out: unknown): T {
  const r = check(METHODS[method].result, out);
  assert.ok(r.ok, `${method}: ${r.ok ? "" : formatIssues(r.issues)}`);
  return out as T;
}

test("sessions list and show: human lines and --json results", async (t) => {
  const gw = await gatewayFor(t);
  const c = await uiClient(t, gw);
  await turn(c, "main", "good morning");
  await turn(c, "agent:main:telegram:dm:42", "from telegram");

  const human = await cli(gw, ["sessions", "list"]);
  assert.equal(human.code, 0, show(human));
  assert.match(human.stdout, /^agent:main:telegram:dm:42 .*2 msg .*echo/m);
  assert.match(human.stdout, /^main .*2 msg/m);
  assert.match(human.stdout, /assistant: echo: good morning/);

  const listed = valid<Result<"sessions.list">>("sessions.list", json(await cli(gw, ["sessions", "list", "--json", "--search", "telegram"])));
  assert.deepEqual(listed.sessions.map((s) => s.key), ["agent:main:telegram:dm:42"]);

  const shown = await cli(gw, ["sessions", "show", "main"]);
  assert.equal(shown.code, 0, show(shown));
  assert.match(shown.stdout, /^main {2}\(session [0-9a-f-]+\)/);
  assert.match(shown.stdout, /^user: good morning$/m);
  assert.match(shown.stdout, /^assistant: echo: good morning$/m);
  const shownJson = json<{ session: { key: string; messageCount: number }; messages: unknown[] }>(await cli(gw, ["sessions", "show", "main", "--json", "--limit", "1"]));
  assert.deepEqual([shownJson.session.key, shownJson.session.messageCount, shownJson.messages.length], ["main", 2, 1]);

  const missing = await cli(gw, ["sessions", "show", "nobody"]);
  assert.equal(missing.code, 7, show(missing));
  assert.match(missing.stderr, /no session nobody/);
});

test("sessions reset, compact and delete change the transcripts; main cannot be deleted", async (t) => {
  const gw = await gatewayFor(t);
  const c = await uiClient(t, gw);
  for (const m of ["a", "b", "c"]) await turn(c, "work", m);
  await turn(c, "scratch", "tmp");

  const compact = await cli(gw, ["sessions", "compact", "work", "--max-lines", "2", "--json"]);
  assert.equal(compact.code, 0, show(compact));
  const compacted = valid<Result<"sessions.compact">>("sessions.compact", json(compact));
  assert.deepEqual([compacted.compacted, compacted.kept, compacted.archivedLines], [true, 2, 4]);
  assert.deepEqual(await texts(c, "work"), ["user: c", "assistant: echo: c"]);

  const reset = await cli(gw, ["sessions", "reset", "work"]);
  assert.equal(reset.code, 0, show(reset));
  assert.match(reset.stdout, /work starts over \(session [0-9a-f-]+\); the old transcript is in .*archive.*work\.reset\./);
  assert.deepEqual(await texts(c, "work"), []);

  const del = await cli(gw, ["sessions", "delete", "scratch", "--json"]);
  const deleted = valid<Result<"sessions.delete">>("sessions.delete", json(del));
  assert.equal(deleted.deleted, true);
  assert.match(await readFile(deleted.archived[0]!, "utf8"), /tmp/);
  assert.deepEqual([...(await rows(c)).keys()], ["work"]);

  await turn(c, "main", "hi");
  const refused = await cli(gw, ["sessions", "delete", "main"]);
  assert.equal(refused.code, 7, show(refused));
  assert.match(refused.stderr, /INVALID_REQUEST: the main session cannot be deleted/);
  assert.ok((await rows(c)).has("main"));
});

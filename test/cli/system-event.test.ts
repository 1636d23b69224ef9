// `clawdbot system event --text … [--mode now|next-heartbeat] [--session-key …]`: the gateway's
// `wake`, with the reference CLI's flags; the agent gets the text as a System line in that session.
// And the reference's other system commands: heartbeat enable|disable|last, presence.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { Result } from "@clawdbot/protocol";
import { startGateway, type TestGateway } from "../support/gateway.js";
import { connectRaw, type RawClient } from "../support/raw-client.js";
import { texts } from "../sessions/support.js";
import { eventually } from "../support/wait.js";
import { call } from "../channels/harness.js";
import { jsonOut, lines, runCli, tempDir } from "./run-cli.js";

let gw: TestGateway;
let c: RawClient;
let state: string;

before(async () => {
  gw = await startGateway({ file: { heartbeat: { enabled: false } } });
  const { client, res } = await connectRaw(gw.url, { mode: "ui" });
  assert.equal(res.ok, true, JSON.stringify(res));
  c = client;
});
after(async () => {
  c.close();
  await gw.stop();
});

test("next-heartbeat (the default) queues the event; --mode now runs the turn at once, with both events", async (t) => {
  state = await tempDir(t);
  const queued = await runCli(["system", "event", "--text", "deploy finished", "--url", gw.url], { stateDir: state });
  assert.equal(queued.code, 0, queued.stderr);
  assert.deepEqual(lines(queued.stdout), ["queued for session main: 1 event(s) waiting for the next heartbeat"]);
  assert.deepEqual(await texts(c, "main"), [], "nothing runs before a heartbeat");

  const now = await runCli(["system", "event", "--text", "package at the door", "--mode", "now", "--json", "--url", gw.url], { stateDir: state });
  assert.equal(now.code, 0, now.stderr);
  assert.deepEqual(jsonOut<Result<"wake">>(now), { ok: true, mode: "now", sessionKey: "main", pending: 0 });
  await eventually("the heartbeat turn", async () => (await texts(c, "main")).length === 2);
  assert.deepEqual((await texts(c, "main"))[0], "user: System: deploy finished\nSystem: package at the door");
});

test("--session-key sends the event to that session", async (t) => {
  state = await tempDir(t);
  const r = await runCli(["system", "event", "--text", "build red", "--mode", "now", "--session-key", "ops", "--url", gw.url], { stateDir: state });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(lines(r.stdout), ["heartbeat run now for session ops"]);
  await eventually("the ops turn", async () => (await texts(c, "ops")).length === 2);
  assert.equal((await texts(c, "ops"))[0], "user: System: build red");
});

test("bad input: no --text, an empty one, an unknown mode, a malformed session key: exit 2 with one line, nothing sent", async (t) => {
  state = await tempDir(t);
  const cases: [string[], RegExp][] = [
    [["system", "event"], /--text/],
    [["system", "event", "--text", "  "], /--text is empty/],
    [["system", "event", "--text", "x", "--mode", "later"], /--mode.*now.*next-heartbeat|now, next-heartbeat/],
  ];
  for (const [args, pattern] of cases) {
    const r = await runCli([...args, "--url", gw.url], { stateDir: state });
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    const err = lines(r.stderr);
    assert.equal(err.length, 1, r.stderr);
    assert.match(err[0]!, pattern);
  }
  const bad = await runCli(["system", "event", "--text", "x", "--session-key", "two words", "--json", "--url", gw.url], { stateDir: state });
  assert.equal(bad.code, 2, bad.stdout + bad.stderr);
  const { error } = jsonOut<{ error: { code: string; message: string } }>(bad);
  assert.equal(error.code, "usage");
  assert.match(error.message, /--session-key "two words" is not a session key/);
});

test("system heartbeat enable|disable|last and system presence: the reference CLI's other system commands", async (t) => {
  state = await tempDir(t);
  const cli = (...args: string[]) => runCli(["system", ...args, "--url", gw.url], { stateDir: state });
  const heartbeats = async () => (await call<Result<"status">>(c, "status")).heartbeats;
  assert.equal(await heartbeats(), false, "the config turns them off");
  const on = await cli("heartbeat", "enable", "--json");
  assert.equal(on.code, 0, on.stderr);
  assert.deepEqual(jsonOut(on), { ok: true, enabled: true });
  assert.equal(await heartbeats(), true);
  const off = await cli("heartbeat", "disable");
  assert.deepEqual(lines(off.stdout), ["heartbeats off"]);
  assert.equal(await heartbeats(), false);

  assert.equal((await cli("event", "--text", "ping", "--mode", "now")).code, 0);
  const last = await cli("heartbeat", "last", "--json");
  assert.equal(last.code, 0, last.stderr);
  const hb = jsonOut<Result<"last-heartbeat">>(last);
  assert.deepEqual([hb?.status, hb?.reason], ["ok-empty", "wake"]);
  assert.match((await cli("heartbeat", "last")).stdout, /^ok-empty \(wake\) \d+s ago, took \d+ ms$/m);

  const presence = await cli("presence", "--json");
  assert.equal(presence.code, 0, presence.stderr);
  const entries = jsonOut<Result<"system-presence">>(presence);
  const self = entries.find((e) => e.mode === "gateway");
  assert.ok(self?.host, JSON.stringify(entries));
  const human = await cli("presence");
  assert.match(human.stdout, new RegExp(`^${self.host!.replace(/[.]/g, "\\.")}.* gateway .*\\d+[smhd] ago  Gateway: `, "m"));
});

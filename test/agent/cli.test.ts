// The CLI commands around the agent and channels, run as child processes against a real gateway.
import { test } from "node:test";
import assert from "node:assert/strict";
import { METHODS, check, formatIssues } from "@clawdbot/protocol";
import { cli, json, show } from "./cli.js";
import { chatHistory, commandConfig, gatewayFor, uiClient } from "./wire.js";

test("clawdbot agent prints the reply and exits 0", async (t) => {
  const gw = await gatewayFor(t);
  const r = await cli(gw, ["agent", "hello"]);
  assert.equal(r.code, 0, show(r));
  assert.equal(r.stdout, "echo: hello\n");
  assert.equal(r.stderr, "");
});

test("clawdbot agent --json prints the final result: status ok and result.text", async (t) => {
  const gw = await gatewayFor(t);
  const r = await cli(gw, ["agent", "hi", "--json"]);
  assert.equal(r.code, 0, show(r));
  const out = json<{ runId: string; status: string; result: { text: string } }>(r);
  const valid = check(METHODS.agent.result, out);
  assert.ok(valid.ok, valid.ok ? "" : formatIssues(valid.issues));
  assert.equal(out.status, "ok");
  assert.equal(out.result.text, "echo: hi");
  assert.equal(typeof out.runId, "string");
});

test("clawdbot agent --session runs in that session", async (t) => {
  const gw = await gatewayFor(t);
  const r = await cli(gw, ["agent", "into a session", "--session", "cli-s"]);
  assert.equal(r.code, 0, show(r));
  const c = await uiClient(t, gw);
  assert.deepEqual(
    (await chatHistory(c, "cli-s")).map((m) => `${m.role}:${m.text}`),
    ["user:into a session", "assistant:echo: into a session"],
  );
});

test("clawdbot agent exits 7 with the backend's error when the run fails", async (t) => {
  const gw = await gatewayFor(t, { file: commandConfig(`process.stderr.write("no model loaded\\n"); process.exit(3);`) });
  const r = await cli(gw, ["agent", "hi"]);
  assert.equal(r.code, 7, show(r));
  assert.match(r.stderr, /^clawdbot: the agent run failed: .* exited with 3: no model loaded$/m);

  const j = await cli(gw, ["agent", "hi", "--json"]);
  assert.equal(j.code, 7, show(j));
  const out = json<{ error: { code: string; message: string } }>(j);
  assert.equal(out.error.code, "agent-failed");
  assert.match(out.error.message, /no model loaded/);
});

test("clawdbot agent --deliver to an unconfigured channel exits 7 naming it", async (t) => {
  const gw = await gatewayFor(t);
  const r = await cli(gw, ["agent", "hi", "--deliver", "--to", "telegram:1"]);
  assert.equal(r.code, 7, show(r));
  assert.match(r.stderr, /NOT_FOUND/);
  assert.match(r.stderr, /telegram is not configured/);
});

test("clawdbot channels status with no channels says none are configured", async (t) => {
  const gw = await gatewayFor(t);
  const r = await cli(gw, ["channels", "status"]);
  assert.equal(r.code, 0, show(r));
  assert.match(r.stdout, /no channels configured/);
  const j = await cli(gw, ["channels", "status", "--json"]);
  assert.equal(j.code, 0, show(j));
  assert.deepEqual(json<{ channels: unknown }>(j).channels, {});
});

test("clawdbot send to telegram when telegram is not configured exits 7 naming telegram", async (t) => {
  const gw = await gatewayFor(t);
  const r = await cli(gw, ["send", "--to", "telegram:1", "hi"]);
  assert.equal(r.code, 7, show(r));
  assert.match(r.stderr, /telegram/);
  assert.equal(r.stdout, "");
});

test("clawdbot pairing list exits 0 and says nothing is pending", async (t) => {
  const gw = await gatewayFor(t);
  const r = await cli(gw, ["pairing", "list"]);
  assert.equal(r.code, 0, show(r));
  assert.match(r.stdout, /no pending pairing codes/);
  const j = await cli(gw, ["pairing", "list", "--json"]);
  assert.equal(j.code, 0, show(j));
  assert.deepEqual(json(j), { pending: [], approved: [] });
});

// The fake `imsg rpc` (an .mjs behind a shell wrapper) speaks imsg's line JSON-RPC, driven by the
// FakeMessages world: checked here with the same LineRpcClient the channel uses.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { LineRpcClient } from "../../sidecar/src/transport/line-rpc.js";
import { RpcError, RpcTransportError } from "../../sidecar/src/transport/json-rpc.js";
import { FakeMessages } from "../fakes/imsg/world.js";
import { eventually } from "../support/wait.js";

async function run(t: TestContext, args = ["rpc", "--db", "/tmp/chat.db"]) {
  const world = await FakeMessages.start();
  t.after(() => world.stop());
  const dir = await mkdtemp(join(tmpdir(), "clawdbot-fimsg-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const cli = await world.writeCli(dir);
  const child = spawn(cli, args, { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  t.after(() => child.kill("SIGKILL"));
  const notes: { method: string; params: unknown }[] = [];
  const rpc = new LineRpcClient(child.stdout, child.stdin, { log: pino({ level: "silent" }), onNotification: (method, params) => void notes.push({ method, params }) });
  return { world, child, rpc, notes, exited, stderr: () => stderr };
}

test("chats.list, watch.subscribe with message notifications, since_rowid replay, watch.unsubscribe, send", async (t) => {
  const { world, rpc, notes } = await run(t);
  const dm = world.dmChat("+15551230000");
  const group = world.groupChat("Climbing", ["+15551230000", "ada@example.com"]);
  const early = world.receive(dm, "+15551230000", "before anyone watched");
  const list = (await rpc.request("chats.list", { limit: 10 })) as { chats: { id: number; is_group: boolean; guid: string }[] };
  assert.deepEqual(list.chats.map((c) => [c.id, c.is_group]), [[dm.id, false], [group.id, true]]);
  await world.until("the process said hello", () => world.children.length === 1);
  assert.deepEqual(world.children[0]!.args, ["rpc", "--db", "/tmp/chat.db"]);

  const { subscription } = (await rpc.request("watch.subscribe", { attachments: true, since_rowid: early.id - 1 })) as { subscription: number };
  world.receive(group, "ada@example.com", "hi group");
  await eventually("two notifications", () => notes.length === 2);
  const msgs = notes.map((n) => (n.params as { subscription: number; message: { text: string; is_group: boolean; chat_id: number } }));
  assert.deepEqual(msgs.map((m) => [m.subscription, m.message.text, m.message.is_group, m.message.chat_id]), [
    [subscription, "before anyone watched", false, dm.id],
    [subscription, "hi group", true, group.id],
  ]);
  assert.deepEqual(await rpc.request("watch.unsubscribe", { subscription }), { ok: true });
  world.receive(dm, "+15551230000", "unheard");
  assert.deepEqual(await rpc.request("send", { text: "hello", to: "+15551230000", service: "auto" }), { ok: true });
  assert.equal(notes.length, 2);
  assert.deepEqual(world.sent.map((s) => [s.text, s.to, s.service]), [["hello", "+15551230000", "auto"]]);
});

test("errors: invalid params answered as JSON-RPC errors, injected faults, error notifications", async (t) => {
  const { world, rpc, notes } = await run(t);
  await assert.rejects(rpc.request("send", { text: "x", to: "+1", chat_id: 1 }), (e: unknown) => e instanceof RpcError && e.code === -32602);
  world.fail("chats.list", { kind: "error", code: -32603, message: "database is locked" });
  await assert.rejects(rpc.request("chats.list"), /database is locked/);
  await rpc.request("watch.subscribe", {});
  world.watchError("disk I/O error");
  await eventually("error notification", () => notes.length === 1);
  assert.equal(notes[0]!.method, "error");
  assert.deepEqual((notes[0]!.params as { error: unknown }).error, { message: "disk I/O error" });
});

test("crash: the process exits with the code and stderr the world asks for; pending requests fail", async (t) => {
  const { world, rpc, exited, stderr } = await run(t);
  world.fail("chats.list", { kind: "hang" });
  await world.until("connected", () => world.children.length === 1);
  const pending = rpc.request("chats.list").then(
    () => assert.fail("answered"),
    (e: unknown) => e,
  );
  await world.until("the request reached the world", () => world.requests.length === 1);
  world.crash(9, "Segmentation fault");
  assert.equal(await exited, 9);
  assert.match(stderr(), /Segmentation fault/);
  const err = await pending;
  assert.ok(err instanceof RpcTransportError && err.reason === "closed", String(err));
});

test("without Full Disk Access the process names the database and exits 1", async (t) => {
  const world = await FakeMessages.start();
  t.after(() => world.stop());
  world.denyDatabase = true;
  const dir = await mkdtemp(join(tmpdir(), "clawdbot-fimsg-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const child = spawn(await world.writeCli(dir), ["rpc", "--db", "/Users/me/Library/Messages/chat.db"], { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  assert.equal(await new Promise((r) => child.once("exit", r)), 1);
  assert.match(stderr, /requires Full Disk Access permission/);
  assert.match(stderr, /\/Users\/me\/Library\/Messages\/chat\.db/);
});

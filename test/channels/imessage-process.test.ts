// The imsg process under supervision: restarted when it dies with nothing lost (the subscription
// resumes from the last row seen), watch.unsubscribe and no process left on stop, what status says
// when it cannot run: not a Mac, no Full Disk Access (naming the binary that needs it).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { systemProcessTable } from "../../sidecar/src/supervise/process-table.js";
import { call, eventually, tempStateDir } from "./harness.js";
import { account } from "./signal-harness.js";
import { imessageConfig, imessageSetup, messagesWorld, startIMessageGateway } from "./imessage-harness.js";

const table = systemProcessTable();
const gone = async (pid: number) => (await table.info(pid)) === null;

test("imsg dies: restarted, subscribed again from the last row seen, and messages that arrived meanwhile are answered once", async (t) => {
  const { world, admin } = await imessageSetup(t);
  const dm = world.dmChat("+15551240001");
  world.receive(dm, "+15551240001", "before");
  await world.until("first answer", () => world.sent.length === 1);
  const first = world.current!.pid;
  const lastSeen = world.rows.at(-1)!.id;
  world.crash(9, "fatal: database disk image is malformed");
  await world.until("the old process is gone", () => world.current === undefined);
  world.receive(dm, "+15551240001", "while down 1");
  world.receive(dm, "+15551240001", "while down 2");
  await world.until("answers after the restart", () => world.sent.length === 3, 60_000);
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(world.sent.map((s) => s.text), ["echo: before", "echo: while down 1", "echo: while down 2"]);
  const subs = world.requestsOf("watch.subscribe");
  assert.equal(subs.length, 2);
  assert.deepEqual(subs[1]!.params, { attachments: true, since_rowid: lastSeen });
  const st = await account(admin, "imessage");
  assert.equal(st.program?.restarts, 1);
  assert.notEqual(st.program?.pid, first);
  assert.ok(await gone(first));
  await eventually("last exit recorded", async () => (await account(admin, "imessage")).program?.lastStderr === "fatal: database disk image is malformed");
});

test("a gateway restart resumes from the row stored on disk: what arrived while it was down is answered", async (t) => {
  const world = await messagesWorld(t);
  const dir = await tempStateDir(t);
  const cliPath = await world.writeCli(dir);
  const stateDir = await tempStateDir(t);
  const first = await startIMessageGateway(t, imessageConfig({ cliPath }), { stateDir });
  const dm = world.dmChat("+15551240002");
  world.receive(dm, "+15551240002", "one");
  await world.until("answer", () => world.sent.length === 1);
  await first.gw.stop();
  assert.ok(world.requestsOf("watch.unsubscribe").length === 1, "watch.unsubscribe on stop");
  world.receive(dm, "+15551240002", "while the gateway was down");
  await startIMessageGateway(t, imessageConfig({ cliPath }), { stateDir });
  await world.until("the missed message answered", () => world.sent.length === 2);
  assert.equal(world.sent[1]!.text, "echo: while the gateway was down");
});

test("stop: watch.unsubscribe, then the process is gone", async (t) => {
  const { world, gw } = await imessageSetup(t);
  const pid = world.current!.pid;
  await gw.stop();
  assert.deepEqual(world.requestsOf("watch.unsubscribe").map((r) => r.params), [{ subscription: 1 }]);
  assert.ok(await gone(pid));
});

test("not a Mac with the default cliPath: the channel does not start, status says why, and it is not retried", async (t) => {
  const { admin } = await startIMessageGateway(t, imessageConfig({}), { waitConnected: false, transport: { platform: "linux" } });
  await eventually("the reason", async () => (await account(admin, "imessage")).lastError !== null);
  const st = await account(admin, "imessage");
  assert.match(st.lastError!, /iMessage needs macOS: imsg reads this Mac's Messages database, and this host runs linux\. Set channels\.imessage\.cliPath to a wrapper/);
  assert.equal(st.running, false);
  assert.equal(st.program, undefined, "nothing was spawned");
});

test("on a Mac without Full Disk Access: status names the permission and the gateway's binary, with what macOS reports", async (t) => {
  const world = await messagesWorld(t);
  world.denyDatabase = true;
  // The default cliPath ("imsg") found on PATH: the gateway's own Mac.
  const bin = await mkdtemp(join(tmpdir(), "clawdbot-imsg-bin-"));
  t.after(() => rm(bin, { recursive: true, force: true }));
  await world.writeCli(bin, { name: "imsg" });
  const savedPath = process.env["PATH"];
  process.env["PATH"] = `${bin}:${savedPath ?? ""}`;
  t.after(() => void (process.env["PATH"] = savedPath));
  const permissions = async () => ({ getAuthStatus: (type: string) => (type === "full-disk-access" ? "denied" : "authorized") });
  const { admin } = await startIMessageGateway(t, imessageConfig({ dbPath: "/Users/me/Library/Messages/chat.db" }), {
    waitConnected: false,
    transport: { platform: "darwin", execPath: "/opt/homebrew/bin/node", permissions },
  });
  await eventually("the explanation", async () => /Full Disk Access/.test((await account(admin, "imessage")).lastError ?? ""), 30_000);
  const err = (await account(admin, "imessage")).lastError!;
  assert.match(err, /imsg cannot read the Messages database \(\/Users\/me\/Library\/Messages\/chat\.db\): Full Disk Access is missing \(macOS reports: denied\)/);
  assert.match(err, /add \/opt\/homebrew\/bin\/node \(the program that runs the gateway under launchd\)/);
  assert.deepEqual(world.children[0]?.args, ["rpc", "--db", "/Users/me/Library/Messages/chat.db"]);
});

test("through a wrapper to another Mac without Full Disk Access: status says where to grant it", async (t) => {
  const world = await messagesWorld(t);
  world.denyDatabase = true;
  const dir = await tempStateDir(t);
  const cliPath = await world.writeCli(dir);
  const { admin } = await startIMessageGateway(t, imessageConfig({ cliPath }), { waitConnected: false, transport: { platform: "linux" } });
  await eventually("the explanation", async () => /Full Disk Access/.test((await account(admin, "imessage")).lastError ?? ""), 30_000);
  assert.match((await account(admin, "imessage")).lastError!, /Full Disk Access is missing on the Mac that runs imsg\. Grant it to the program that starts imsg there \(for SSH: \/usr\/libexec\/sshd-keygen-wrapper\)/);
});

test("errors answered by imsg: a refused send is not retried, a failing chats.list probe is reported", async (t) => {
  const { world, admin } = await imessageSetup(t);
  world.fail("send", { kind: "error", code: -32602, message: "invalid service" });
  const res = await admin.request("send", { to: "imessage:+15551240003", message: "x", idempotencyKey: "im-err-1" }, 20_000);
  assert.equal(res.ok, false);
  assert.match(JSON.stringify(res.error), /imessage refused the message for good: send: invalid service \(-32602\)/);
  world.fail("chats.list", { kind: "error", code: -32603, message: "database is locked" });
  const st = await call<{ channelAccounts: { imessage: { probe?: { ok: boolean; error?: string } }[] } }>(admin, "channels.status", { probe: true, timeoutMs: 5000 });
  assert.deepEqual(st.channelAccounts.imessage[0]!.probe && { ok: st.channelAccounts.imessage[0]!.probe.ok, error: st.channelAccounts.imessage[0]!.probe.error }, { ok: false, error: "chats.list: database is locked (-32603)" });
  world.garbage("Warning: something printed on stdout");
  world.receive(world.dmChat("+15551240004"), "+15551240004", "still working");
  await world.until("answer despite the garbage line", () => world.sent.some((s) => s.text === "echo: still working"));
});

test("channels logout imessage stops imsg and forgets the stored position", async (t) => {
  const { world, admin, stateDir } = await imessageSetup(t);
  world.receive(world.dmChat("+15551240005"), "+15551240005", "hi");
  await world.until("answer", () => world.sent.length === 1);
  const pid = world.current!.pid;
  const res = await call<{ stopped: boolean; cleared: boolean }>(admin, "channels.logout", { channel: "imessage" });
  assert.deepEqual([res.stopped, res.cleared], [true, true]);
  assert.ok(await gone(pid));
  await assert.rejects(stat(join(stateDir, "channels", "imessage", "default")), { code: "ENOENT" });
});

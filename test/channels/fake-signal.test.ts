// The fake signal-cli daemon and network speak signal-cli's HTTP protocol: checked here with raw
// HTTP, so the channel tests rest on a fake that behaves like the real daemon.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FakeSignalDaemon } from "../fakes/signal/daemon.js";
import { FakeSignalNetwork } from "../fakes/signal/network.js";
import { eventually } from "../support/wait.js";

async function setup(t: TestContext, receiveMode: "on-start" | "on-connection" = "on-start") {
  const net = await FakeSignalNetwork.start();
  const daemon = await FakeSignalDaemon.start({ backend: net.localBackend(), account: net.bot.number!, keepAliveMs: 30, receiveMode });
  t.after(async () => {
    await daemon.stop();
    await net.stop();
  });
  return { net, daemon };
}

function rpc(url: string, body: string, contentType = "application/json"): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/api/v1/rpc`, { method: "POST", headers: { "Content-Type": contentType } }, (res) => {
      let data = "";
      res.setEncoding("utf8").on("data", (d: string) => (data += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: data }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** Opens the event stream and collects the raw chunks as they arrive. */
function stream(t: TestContext, url: string, lastEventId?: string): Promise<{ chunks: Buffer[]; text: () => string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/api/v1/events`, { headers: lastEventId ? { "Last-Event-ID": lastEventId } : {} }, (res) => {
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers["content-type"], "text/event-stream");
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      resolve({ chunks, text: () => Buffer.concat(chunks).toString("utf8") });
    });
    req.on("error", reject);
    req.end();
    t.after(() => req.destroy());
  });
}

test("rpc: an answer for a request, 201 and an empty body for a notification, 415 without JSON, parse errors as JSON-RPC errors", async (t) => {
  const { net, daemon } = await setup(t);
  const user = net.user("Ada");
  const ok = await rpc(daemon.url, JSON.stringify({ jsonrpc: "2.0", id: 4, method: "send", params: { recipient: [user.number], message: "hi" } }));
  assert.equal(ok.status, 200);
  const answer = JSON.parse(ok.body) as { id: number; result: { timestamp: number } };
  assert.equal(answer.id, 4);
  assert.equal(typeof answer.result.timestamp, "number");
  assert.deepEqual(net.sentTo({ recipient: user.number! }).map((d) => d.text), ["hi"]);

  const note = await rpc(daemon.url, JSON.stringify({ jsonrpc: "2.0", method: "sendTyping", params: { recipient: [user.number] } }));
  assert.deepEqual(note, { status: 201, body: "" });
  assert.equal(net.callsOf("sendTyping").length, 1);

  assert.equal((await rpc(daemon.url, "{}", "text/plain")).status, 415);
  const bad = await rpc(daemon.url, "{nope");
  assert.equal((JSON.parse(bad.body) as { error: { code: number } }).error.code, -32700);
  const unknown = JSON.parse((await rpc(daemon.url, JSON.stringify({ jsonrpc: "2.0", id: 1, method: "nope" }))).body) as { error: { code: number } };
  assert.equal(unknown.error.code, -32601);
});

test("events: split into several chunks, keep-alive comments between them, ids resumable with Last-Event-ID", async (t) => {
  const { net, daemon } = await setup(t);
  const s = await stream(t, daemon.url);
  const ada = net.user("Ada");
  net.message(ada, "héllo");
  await eventually("the event and a keep-alive", () => s.text().includes("héllo") && s.text().includes(":\n"));
  const text = s.text();
  const m = /id:(\S+)\nevent:receive\ndata:(.*)\n\n/.exec(text);
  assert.ok(m, text);
  const data = JSON.parse(m[2]!) as { envelope: { sourceUuid: string; dataMessage: { message: string } }; account: string };
  assert.equal(data.account, net.bot.number);
  assert.equal(data.envelope.sourceUuid, ada.uuid);
  assert.equal(data.envelope.dataMessage.message, "héllo");
  assert.ok(s.chunks.length >= 3, "the event arrived in pieces");

  net.message(ada, "second");
  await eventually("second event", () => s.text().includes("second"));
  const resumed = await stream(t, daemon.url, m[1]);
  await eventually("the replay after the id", () => resumed.text().includes("second"));
  assert.ok(!resumed.text().includes("héllo"), "events up to the id are not replayed");
  const foreign = await stream(t, daemon.url, "123-1");
  await eventually("an unknown id replays everything kept", () => foreign.text().includes("héllo") && foreign.text().includes("second"));
});

test("on-connection: nothing is taken off the network before a client listens", async (t) => {
  const { net, daemon } = await setup(t, "on-connection");
  net.message(net.user("Bo"), "waiting");
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(net.queued, 1);
  const s = await stream(t, daemon.url);
  await eventually("delivered once a client listens", () => s.text().includes("waiting"));
  assert.equal(net.queued, 0);
});

test("silence(): the open stream stays open but carries nothing more", async (t) => {
  const { net, daemon } = await setup(t);
  const s = await stream(t, daemon.url);
  await eventually("a keep-alive", () => s.text().includes(":\n"));
  daemon.silence();
  await new Promise((r) => setTimeout(r, 50));
  const before = s.text().length;
  net.message(net.user("Cy"), "unheard");
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(s.text().length, before);
  assert.equal(daemon.streamCount, 1);
});

test("the fake signal-cli executable parses `-a <account> daemon --http host:port`, serves the daemon and registers with the network", async (t) => {
  const net = await FakeSignalNetwork.start();
  t.after(() => net.stop());
  const dir = await mkdtemp(join(tmpdir(), "clawdbot-fsig-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const cli = await net.writeCli(dir);
  const child = spawn(cli, ["-a", net.bot.number!, "daemon", "--http", "127.0.0.1:0", "--receive-mode", "on-connection"], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  t.after(() => child.kill("SIGKILL"));
  await net.until("daemon registered", () => net.daemons.length === 1);
  const d = net.daemons[0]!;
  assert.equal(d.account, net.bot.number);
  assert.deepEqual(d.args, ["-a", net.bot.number!, "daemon", "--http", "127.0.0.1:0", "--receive-mode", "on-connection"]);
  const check = await new Promise<number>((r) => request(`${d.http}/api/v1/check`, (res) => r(res.statusCode ?? 0)).end());
  assert.equal(check, 200);
  await eventually("its startup lines on stderr", () => stderr.includes("Started HTTP server"));
  child.kill("SIGTERM");
  const code = await new Promise((r) => child.once("exit", r));
  assert.equal(code, 0);

  const usage = spawn(cli, ["-a", net.bot.number!, "daemon", "--receive-mode", "sometimes", "--http", "127.0.0.1:0"], { stdio: "ignore" });
  assert.equal(await new Promise((r) => usage.once("exit", r)), 2);
});

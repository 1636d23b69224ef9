// LineRpcClient: JSON-RPC 2.0, one object per line, over a pair of streams (in-process for the
// byte-level cases) and over a real child's stdio (for "the child exited").
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { PassThrough } from "node:stream";
import { createInterface } from "node:readline";
import { pino } from "pino";
import { LineRpcClient } from "../../sidecar/src/transport/line-rpc.js";
import { RpcError, RpcTransportError } from "../../sidecar/src/transport/json-rpc.js";
import { eventually } from "../support/wait.js";

interface LogLine {
  msg: string;
}

function pair(opts: { maxLineBytes?: number; defaultTimeoutMs?: number } = {}) {
  const toPeer = new PassThrough();
  const fromPeer = new PassThrough();
  const lines: LogLine[] = [];
  const log = pino({ level: "debug" }, { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) });
  const notes: { method: string; params: unknown }[] = [];
  const client = new LineRpcClient(fromPeer, toPeer, { log, onNotification: (method, params) => void notes.push({ method, params }), ...opts });
  const requests: { id: number; method: string; params?: unknown }[] = [];
  createInterface({ input: toPeer }).on("line", (l) => requests.push(JSON.parse(l) as { id: number; method: string }));
  return { client, peer: fromPeer, requests, notes, lines };
}

test("answers are matched to requests by id, whatever their order", async () => {
  const { client, peer, requests } = pair();
  const a = client.request("chats.list", { limit: 1 });
  const b = client.request("send", { text: "hi" });
  await eventually("both requests written", () => requests.length === 2);
  assert.deepEqual(requests[0], { jsonrpc: "2.0", id: 1, method: "chats.list", params: { limit: 1 } });
  peer.write(`${JSON.stringify({ jsonrpc: "2.0", id: requests[1]!.id, result: { ok: true } })}\n`);
  peer.write(`${JSON.stringify({ jsonrpc: "2.0", id: requests[0]!.id, result: { chats: [] } })}\n`);
  assert.deepEqual(await b, { ok: true });
  assert.deepEqual(await a, { chats: [] });
  assert.equal(client.pendingCount, 0);
});

test("lines split anywhere (inside a UTF-8 character, between CR and LF) are joined before parsing", async () => {
  const { client, peer, requests, notes } = pair();
  const p = client.request("send");
  await eventually("request written", () => requests.length === 1);
  const bytes = Buffer.from(`${JSON.stringify({ jsonrpc: "2.0", method: "message", params: { text: "héllo 👋" } })}\r\n${JSON.stringify({ jsonrpc: "2.0", id: 1, result: "ünïcode" })}\n`);
  const emoji = bytes.indexOf(Buffer.from("👋"));
  const cr = bytes.indexOf(Buffer.from("\r\n"));
  for (const [from, to] of [[0, emoji + 1], [emoji + 1, emoji + 3], [emoji + 3, cr + 1], [cr + 1, bytes.length - 3], [bytes.length - 3, bytes.length]] as const) {
    peer.write(bytes.subarray(from, to));
    await new Promise((r) => setImmediate(r));
  }
  assert.equal(await p, "ünïcode");
  assert.deepEqual(notes, [{ method: "message", params: { text: "héllo 👋" } }]);
});

test("an error answer rejects with RpcError carrying code, message and data", async () => {
  const { client, peer, requests } = pair();
  const p = client.request("send", { chat_id: 9 });
  await eventually("request written", () => requests.length === 1);
  peer.write(`${JSON.stringify({ jsonrpc: "2.0", id: 1, error: { code: -32602, message: "unknown chat_id 9", data: { chat_id: 9 } } })}\n`);
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof RpcError);
    assert.equal(e.code, -32602);
    assert.equal(e.method, "send");
    assert.deepEqual(e.data, { chat_id: 9 });
    assert.match(e.message, /send: unknown chat_id 9 \(-32602\)/);
    return true;
  });
});

test("garbage lines, answers for no request and over-long lines are logged and dropped; the next line still works", async () => {
  const { client, peer, requests, lines, notes } = pair({ maxLineBytes: 1000 });
  const p = client.request("chats.list");
  await eventually("request written", () => requests.length === 1);
  peer.write("warning: something printed on stdout\n");
  peer.write(`${JSON.stringify({ jsonrpc: "2.0", id: 99, result: 1 })}\n`);
  peer.write(`${JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32700, message: "parse error" } })}\n`);
  peer.write(`{"jsonrpc":"2.0","method":"message","params":"${"x".repeat(3000)}`);
  peer.write(`${"y".repeat(500)}"}\n`);
  peer.write(`${JSON.stringify({ jsonrpc: "2.0", id: 1, result: "fine" })}\n`);
  assert.equal(await p, "fine");
  assert.equal(notes.length, 0, "the over-long notification was not delivered");
  const msgs = lines.map((l) => l.msg);
  assert.ok(msgs.includes("program printed a line that is not JSON; ignored"));
  assert.ok(msgs.includes("program reported an error for no known request"));
  assert.ok(msgs.includes("program sent an over-long line; dropped"));
});

test("a request without an answer times out with a transport error", async () => {
  const { client } = pair();
  await assert.rejects(client.request("chats.list", undefined, { timeoutMs: 50 }), (e: unknown) => e instanceof RpcTransportError && e.reason === "timeout");
  assert.equal(client.pendingCount, 0);
});

test("when the child exits, its pending requests are rejected at once and later ones fail immediately", async () => {
  // Answers the first request, then exits on the second without answering.
  const child = spawn(process.execPath, [
    "-e",
    `let n = 0; require("readline").createInterface({ input: process.stdin }).on("line", (l) => {
       const req = JSON.parse(l);
       if (++n === 1) process.stdout.write(JSON.stringify({ jsonrpc: "2.0", id: req.id, result: "first" }) + "\\n");
       else process.exit(7);
     });`,
  ]);
  const client = new LineRpcClient(child.stdout, child.stdin, { log: pino({ level: "silent" }), onNotification: () => undefined, defaultTimeoutMs: 60_000 });
  assert.equal(await client.request("one"), "first");
  await assert.rejects(client.request("two"), (e: unknown) => e instanceof RpcTransportError && e.reason === "closed" && /closed its output/.test(e.message));
  await assert.rejects(client.request("three"), (e: unknown) => e instanceof RpcTransportError && e.reason === "closed");
  assert.equal(client.pendingCount, 0);
});

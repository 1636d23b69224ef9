// SseClient against a real HTTP server on 127.0.0.1: events split across chunks, keep-alives,
// reconnects with Last-Event-ID and backoff, a silent stream reopened, bad answers retried.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import { SseClient, type SseEvent } from "../../sidecar/src/transport/sse-client.js";
import { eventually } from "../support/wait.js";

type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

async function server(t: TestContext, handler: Handler) {
  let n = 0;
  const requests: IncomingMessage[] = [];
  const open = new Set<ServerResponse>();
  const srv = createServer((req, res) => {
    requests.push(req);
    open.add(res);
    res.on("close", () => open.delete(res));
    handler(req, res, ++n);
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  t.after(async () => {
    for (const r of open) r.destroy();
    await new Promise((r) => srv.close(r));
  });
  return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}/api/v1/events`, requests, open };
}

function client(t: TestContext, url: string, silenceMs = 30_000) {
  const events: SseEvent[] = [];
  const c = new SseClient({ url, log: pino({ level: "silent" }), onEvent: (e) => void events.push(e), silenceMs, backoff: { initialMs: 20, maxMs: 100 } });
  t.after(() => c.stop());
  return { c, events };
}

function sseHead(res: ServerResponse): void {
  res.writeHead(200, { "Content-Type": "text/event-stream" });
  res.flushHeaders();
}

const tick = () => new Promise((r) => setTimeout(r, 5));

test("events split at every awkward place are parsed whole; keep-alive comments are not events", async (t) => {
  const body = Buffer.from(
    ":\n" +
      `id:1-1\nevent:receive\ndata:${JSON.stringify({ envelope: { text: "grüße 🌍" } })}\n\n` +
      ":\r\n" +
      "id: 1-2\r\nevent: receive\r\ndata: line one\r\ndata: line two\r\n\r\n" +
      "data:no event name\n\n",
  );
  const emoji = body.indexOf(Buffer.from("🌍"));
  const crlf = body.indexOf(Buffer.from("\r\n"));
  const cuts = [1, 5, emoji + 1, emoji + 2, crlf + 1, body.length - 4, body.length];
  const { url } = await server(t, async (_req, res) => {
    sseHead(res);
    let from = 0;
    for (const to of cuts) {
      res.write(body.subarray(from, to));
      from = to;
      await tick();
    }
  });
  const { c, events } = client(t, url);
  await c.start();
  await eventually("three events", () => events.length === 3);
  assert.deepEqual(events, [
    { id: "1-1", event: "receive", data: JSON.stringify({ envelope: { text: "grüße 🌍" } }) },
    { id: "1-2", event: "receive", data: "line one\nline two" },
    { id: undefined, event: "message", data: "no event name" },
  ]);
  assert.equal(c.status().lastEventId, "1-2");
});

test("a stream the server ends is reopened with Last-Event-ID", async (t) => {
  const { url, requests } = await server(t, (_req, res, n) => {
    sseHead(res);
    if (n === 1) res.end("id:run-7\nevent:receive\ndata:first\n\n");
    else res.write("id:run-8\nevent:receive\ndata:second\n\n");
  });
  const { c, events } = client(t, url);
  await c.start();
  await eventually("the event after the reconnect", () => events.length === 2);
  assert.deepEqual(events.map((e) => e.data), ["first", "second"]);
  assert.equal(requests[0]!.headers["last-event-id"], undefined);
  assert.equal(requests[1]!.headers["last-event-id"], "run-7");
  assert.equal(requests[1]!.headers["accept"], "text/event-stream");
  assert.equal(c.status().connects, 2);
  assert.equal(c.status().silentReopens, 0);
});

test("a stream that stays open but sends nothing is reopened by the watchdog", async (t) => {
  const { url, open } = await server(t, (_req, res, n) => {
    sseHead(res);
    // The first connection goes silent after one event and never closes; the second one works.
    res.write(`id:${n}\nevent:receive\ndata:on connection ${n}\n\n`);
  });
  const { c, events } = client(t, url, 300);
  await c.start();
  await eventually("the second connection's event", () => events.length >= 2);
  assert.deepEqual(events.slice(0, 2).map((e) => e.data), ["on connection 1", "on connection 2"]);
  assert.ok(c.status().silentReopens >= 1);
  await eventually("the silent connection was closed by the client", () => open.size <= 1);
});

test("keep-alive comments alone keep a quiet stream open", async (t) => {
  let comments = 0;
  const { url } = await server(t, (_req, res) => {
    sseHead(res);
    const timer = setInterval(() => {
      res.write(":\n");
      comments++;
    }, 20);
    res.on("close", () => clearInterval(timer));
  });
  const { c, events } = client(t, url, 2000);
  await c.start();
  // Three watchdog periods' worth of keep-alives only (at 20 ms each, 300 of them take 6 s or more).
  await eventually("many keep-alives", () => comments >= 300, 60_000);
  assert.equal(c.status().connects, 1);
  assert.equal(c.status().silentReopens, 0);
  assert.equal(events.length, 0);
  assert.ok(c.status().lastByteAt !== null);
});

test("start fails on a wrong answer, and the client keeps retrying until the server is healthy", async (t) => {
  const { url } = await server(t, (_req, res, n) => {
    if (n === 1) {
      res.writeHead(404).end();
      return;
    }
    if (n === 2) {
      res.writeHead(200, { "Content-Type": "application/json" }).end("{}");
      return;
    }
    sseHead(res);
    res.write("event:receive\ndata:finally\n\n");
  });
  const { c, events } = client(t, url);
  await assert.rejects(c.start(), /HTTP 404 from the event stream/);
  await eventually("connected after retries", () => events.length === 1);
  assert.equal(c.status().connected, true);
  assert.equal(c.status().lastError, null);
});

test("stop closes the connection and nothing reconnects", async (t) => {
  const { url, requests, open } = await server(t, (_req, res) => sseHead(res));
  const { c } = client(t, url);
  await c.start();
  assert.equal(open.size, 1);
  await c.stop();
  await eventually("server saw the close", () => open.size === 0);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(requests.length, 1);
  assert.equal(c.status().connected, false);
});

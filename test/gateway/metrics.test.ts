// GET /metrics on the gateway port: Prometheus text from prom-client with connections by role,
// handshakes by outcome and reason, requests by method and outcome with latency histograms,
// events fanned out, outbox counts by channel, agent runs, event-loop delay, RSS and open fds.
// Loopback needs no auth; any other caller needs the gateway secret or an operator.read device token.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { startGateway, type TestGateway } from "../support/gateway.js";
import { generateIdentity } from "@clawdbot/protocol/client";
import { connectRaw, type Frame } from "../support/raw-client.js";

const TOKEN = "metrics-test-token-0123456789";

function get(port: number, headers: Record<string, string> = {}): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: "/metrics", headers }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, type: String(res.headers["content-type"] ?? ""), body }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** The value of one sample line, e.g. `clawdbot_requests_total{method="health",outcome="ok"}`. */
function sample(body: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of body.split("\n")) {
    if (line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

async function gateway(t: TestContext): Promise<TestGateway> {
  const gw = await startGateway({
    flags: { token: TOKEN },
    // Telegram on a closed port stays offline, so a send stays in the outbox.
    file: { heartbeat: { enabled: false }, channels: { telegram: { botToken: "123456:metrics-offline", apiRoot: "http://127.0.0.1:9", pollTimeoutSec: 1 } } },
  });
  t.after(() => gw.stop());
  return gw;
}

function ok(res: Frame): Record<string, unknown> {
  assert.equal(res.ok, true, JSON.stringify(res.error));
  return res.payload as Record<string, unknown>;
}

test("loopback scrape: every named family, counted from real traffic", async (t) => {
  const gw = await gateway(t);
  const refused = await connectRaw(gw.url, { token: "wrong-token-0123456789", identity: null });
  assert.equal(refused.res.ok, false);
  await refused.client.closed;
  const { client, res } = await connectRaw(gw.url, { token: TOKEN });
  t.after(() => client.close());
  ok(res);
  ok(await client.request("health", {}));
  ok(await client.request("health", {}));
  assert.equal((await client.request("no.such.method", {})).ok, false);
  ok(await client.request("send", { to: "telegram:42", message: "stored while offline", idempotencyKey: "m-1" }));
  const accepted = ok(await client.request("agent", { message: "hello", idempotencyKey: "run-1" }));
  ok(await client.request("agent.wait", { runId: accepted["runId"], timeoutMs: 60_000 }));

  const r = await get(gw.port);
  assert.equal(r.status, 200, r.body);
  assert.match(r.type, /^text\/plain; version=0\.0\.4/);
  const b = r.body;
  assert.equal(sample(b, "clawdbot_connections", { role: "operator" }), 1);
  assert.equal(sample(b, "clawdbot_handshakes_total", { outcome: "ok" }), 1);
  assert.equal(sample(b, "clawdbot_handshakes_total", { outcome: "refused", reason: "token_mismatch" }), 1, b.split("\n").filter((l) => l.startsWith("clawdbot_handshakes")).join("\n"));
  assert.equal(sample(b, "clawdbot_requests_total", { method: "health", outcome: "ok" }), 2);
  assert.equal(sample(b, "clawdbot_requests_total", { method: "unknown", outcome: "INVALID_REQUEST" }), 1);
  assert.equal(sample(b, "clawdbot_request_duration_seconds_count", { method: "health" }), 2);
  assert.equal(sample(b, "clawdbot_request_duration_seconds_bucket", { method: "health", le: "+Inf" }), 2);
  assert.ok((sample(b, "clawdbot_events_sent_total", { event: "agent" }) ?? 0) > 0, "agent events were fanned out");
  assert.ok(b.includes("# TYPE clawdbot_events_dropped_total counter"));
  assert.equal(sample(b, "clawdbot_outbox_messages_total", { channel: "telegram", outcome: "queued" }), 1);
  assert.equal(sample(b, "clawdbot_outbox_pending", { channel: "telegram" }), 1);
  assert.equal(sample(b, "clawdbot_agent_runs_total", { status: "ok" }), 1);
  assert.ok((sample(b, "process_resident_memory_bytes") ?? 0) > 1_000_000, "RSS");
  assert.ok((sample(b, "process_open_fds") ?? 0) > 0, "open fds");
  assert.ok(sample(b, "nodejs_eventloop_lag_seconds") !== undefined, "event-loop delay");
  assert.ok(!b.includes(TOKEN) && !b.includes("metrics-offline"), "no secret in the metrics");
});

test("off loopback: 401 without a bearer or with a wrong one; the gateway token or an operator.read device token is let in; a token without operator.read is 403", async (t) => {
  const gw = await gateway(t);
  // A forwarded request is never local, whatever socket it came in on.
  const remote = { "x-forwarded-for": "203.0.113.7" };
  const none = await get(gw.port, remote);
  assert.equal(none.status, 401);
  assert.match(none.body, /Authorization: Bearer/);
  assert.ok(!none.body.includes("clawdbot_"));
  assert.equal((await get(gw.port, { ...remote, authorization: "Bearer not-the-token-at-all" })).status, 401);
  const withSecret = await get(gw.port, { ...remote, authorization: `Bearer ${TOKEN}` });
  assert.equal(withSecret.status, 200);
  assert.ok(withSecret.body.includes("clawdbot_handshakes_total"));

  const readerId = generateIdentity();
  const reader = await connectRaw(gw.url, { token: TOKEN, scopes: ["operator.read"], identity: readerId });
  t.after(() => reader.client.close());
  const readerAuth = ok(reader.res)["auth"] as { deviceToken: string };
  const asReader = await get(gw.port, { ...remote, authorization: `Bearer ${readerAuth.deviceToken}`, "x-clawdbot-device-id": readerId.deviceId });
  assert.equal(asReader.status, 200, asReader.body);
  assert.equal((await get(gw.port, { ...remote, authorization: `Bearer ${readerAuth.deviceToken}` })).status, 401, "a device token needs its device id");

  const pairerId = generateIdentity();
  const pairer = await connectRaw(gw.url, { token: TOKEN, scopes: ["operator.pairing"], identity: pairerId });
  t.after(() => pairer.client.close());
  const pairerAuth = ok(pairer.res)["auth"] as { deviceToken: string };
  const asPairer = await get(gw.port, { ...remote, authorization: `Bearer ${pairerAuth.deviceToken}`, "x-clawdbot-device-id": pairerId.deviceId });
  assert.equal(asPairer.status, 403);
  assert.match(asPairer.body, /operator\.read/);
});

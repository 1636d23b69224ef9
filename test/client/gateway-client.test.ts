// GatewayClient against the real gateway (typed calls, errors, reconnect) and against a small fake
// peer on loopback (seq gaps, tick watchdog, two-phase answers, dropped connections).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Socket } from "node:net";
import { HelloOkSchema, check, type EventFrame, type HelloOk } from "@clawdbot/protocol";
import {
  GatewayClient,
  GatewayConnectError,
  GatewayRequestError,
  generateIdentity,
  type GatewayClientOptions,
} from "@clawdbot/protocol/client";
import { startGateway, type TestGateway } from "../support/gateway.js";
import { fakeHello, startFakeGateway, type FakeGateway } from "./fake-gateway.js";

async function waitFor(what: string, pred: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A client that records what its callbacks saw. */
function recordingClient(opts: GatewayClientOptions) {
  const seen = {
    events: [] as EventFrame[],
    hellos: [] as HelloOk[],
    closes: [] as { code: number; reason: string }[],
    gaps: [] as { expected: number; received: number }[],
  };
  const client = new GatewayClient({
    onEvent: (e) => seen.events.push(e),
    onHello: (h) => seen.hellos.push(h),
    onClose: (code, reason) => seen.closes.push({ code, reason }),
    onGap: (g) => seen.gaps.push(g),
    ...opts,
  });
  return { client, seen };
}

async function fake(t: { after: (fn: () => unknown) => void }, opts: Parameters<typeof startFakeGateway>[0] = {}): Promise<FakeGateway> {
  const f = await startFakeGateway(opts);
  t.after(() => f.close());
  return f;
}

test("the fake's hello-ok is itself schema-valid (so the fake stays honest)", () => {
  const res = check(HelloOkSchema, fakeHello(100));
  assert.ok(res.ok);
});

test("connects to the real gateway and calls typed methods; events reach onEvent", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const tokens: string[] = [];
  const { client, seen } = recordingClient({
    url: gw.url,
    identity: generateIdentity(),
    client: { id: "test", mode: "ui" },
    onDeviceToken: (a) => tokens.push(a.deviceToken),
  });
  t.after(() => client.close());
  const hello = await client.connect();
  assert.ok(check(HelloOkSchema, hello).ok);
  assert.equal(client.connected, true);
  assert.equal(client.hello, hello);
  assert.equal(seen.hellos.length, 1);
  assert.equal(tokens.length, 1, "the issued device token is handed over once");

  const health = await client.call("health");
  assert.equal(health.ok, true);
  const status = await client.call("status");
  assert.equal(status.connections, 1);
  assert.deepEqual(await client.call("system-event", { text: "typed call" }), { ok: true });
  const presence = await client.call("system-presence");
  assert.ok(presence.some((e) => e.text === "typed call"));
  await waitFor("presence event", () =>
    seen.events.some((e) => e.event === "presence" && JSON.stringify(e.payload).includes("typed call")),
  );
  assert.deepEqual(seen.gaps, []);
});

test("a refused call rejects with GatewayRequestError carrying the code and details; the client stays connected", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const client = new GatewayClient({ url: gw.url, identity: generateIdentity(), scopes: ["operator.read"] });
  t.after(() => client.close());
  await client.connect();
  const err = await client.call("config.get").then(
    () => assert.fail("config.get should be refused"),
    (e: unknown) => e,
  );
  assert.ok(err instanceof GatewayRequestError, String(err));
  assert.equal(err.code, "FORBIDDEN");
  assert.deepEqual(err.details, { required: "operator.admin" });
  await assert.rejects(client.call("set-heartbeats", { enabled: "no" } as never), (e: unknown) => {
    return e instanceof GatewayRequestError && e.code === "FORBIDDEN";
  });
  assert.equal(client.connected, true);
  assert.equal((await client.call("health")).ok, true);
});

test("connect rejects with failure 'unauthorized' when the gateway refuses the token, and succeeds with the right one", async (t) => {
  const gw = await startGateway({ flags: { token: "client-test-token-1" } });
  t.after(() => gw.stop());
  const identity = generateIdentity();
  const wrong = new GatewayClient({ url: gw.url, identity, token: "client-test-token-2" });
  await assert.rejects(wrong.connect(), (e: unknown) => {
    assert.ok(e instanceof GatewayConnectError, String(e));
    assert.equal(e.failure, "unauthorized");
    assert.equal(e.closeCode, 1008);
    return true;
  });
  const withToken = new GatewayClient({ url: gw.url, identity, token: "client-test-token-1" });
  t.after(() => withToken.close());
  await withToken.connect();
  assert.equal((await withToken.call("health")).ok, true);
});

test("connect to a port nobody listens on rejects with failure 'unreachable'", async (t) => {
  const f = await startFakeGateway();
  const url = f.url;
  await f.close();
  const client = new GatewayClient({ url });
  t.after(() => client.close());
  await assert.rejects(client.connect(), (e: unknown) => e instanceof GatewayConnectError && e.failure === "unreachable");
});

test("a request before connect (or after close) rejects with GatewayConnectError", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const client = new GatewayClient({ url: gw.url, identity: generateIdentity() });
  await assert.rejects(client.call("health"), (e: unknown) => e instanceof GatewayConnectError && e.failure === "closed");
  await client.connect();
  client.close();
  await assert.rejects(client.request("health"), GatewayConnectError);
});

test("onGap fires when the broadcast seq jumps (1, 2, 5 → expected 3, received 5)", async (t) => {
  const f = await fake(t);
  const { client, seen } = recordingClient({ url: f.url });
  t.after(() => client.close());
  await client.connect();
  const peer = await f.nextPeer();
  peer.event("presence", { presence: [] }, 1);
  peer.event("health", { ok: true }, 2);
  peer.event("custom.unsequenced", {});
  peer.event("presence", { presence: [] }, 5);
  peer.event("tick", { ts: Date.now() }, 6);
  await waitFor("four sequenced events", () => seen.events.filter((e) => e.seq !== undefined).length === 4);
  assert.deepEqual(seen.gaps, [{ expected: 3, received: 5 }]);
  assert.deepEqual(
    seen.events.filter((e) => e.event !== "connect.challenge").map((e) => e.event),
    ["presence", "health", "custom.unsequenced", "presence", "tick"],
  );
});

test("the tick watchdog closes with 4000 'tick timeout' when no tick arrives for 2× tickIntervalMs", async (t) => {
  const f = await fake(t, { tickIntervalMs: 100 });
  const { client, seen } = recordingClient({ url: f.url });
  t.after(() => client.close());
  await client.connect();
  const peer = await f.nextPeer();
  assert.deepEqual(await peer.closed, { code: 4000, reason: "tick timeout" });
  await waitFor("onClose", () => seen.closes.length === 1);
  assert.deepEqual(seen.closes, [{ code: 4000, reason: "tick timeout" }]);
  assert.equal(client.connected, false);
  await assert.rejects(client.call("health"), GatewayConnectError);
});

test("ticks keep the watchdog quiet; it fires only after they stop", async (t) => {
  // Ticks every 50 ms for 1.2 s, twice the 600 ms the watchdog tolerates without one.
  const f = await fake(t, { tickIntervalMs: 300 });
  const { client, seen } = recordingClient({ url: f.url });
  t.after(() => client.close());
  await client.connect();
  const peer = await f.nextPeer();
  for (let i = 0; i < 24; i++) {
    peer.event("tick", { ts: Date.now() }, i + 1);
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.deepEqual(seen.closes, [], "closed although ticks kept coming");
  assert.equal(client.connected, true);
  assert.deepEqual(await peer.closed, { code: 4000, reason: "tick timeout" });
});

// Regression: on tick timeout the client only started a close handshake; a peer that is gone (half-open
// TCP, sleeping laptop) never answers it, so onClose and reconnect waited for ws's 30 s close timeout.
test("a tick timeout against an unresponsive peer tears the socket down promptly", async (t) => {
  const f = await fake(t, { tickIntervalMs: 100 });
  const { client, seen } = recordingClient({ url: f.url });
  t.after(() => client.close());
  await client.connect();
  const peer = await f.nextPeer();
  (peer.ws as unknown as { _socket: Socket })._socket.pause();
  await waitFor("onClose after the tick timeout", () => seen.closes.length === 1, 3000);
  assert.equal(client.connected, false);
});

test("pending requests reject with GatewayConnectError (close code included) when the socket drops", async (t) => {
  const f = await fake(t);
  const client = new GatewayClient({ url: f.url });
  t.after(() => client.close());
  await client.connect();
  const peer = await f.nextPeer();
  const pending = client.call("health");
  await waitFor("request to arrive", () => peer.requests.length === 1);
  peer.ws.close(1011, "server fell over");
  await assert.rejects(pending, (e: unknown) => {
    assert.ok(e instanceof GatewayConnectError, String(e));
    assert.equal(e.closeCode, 1011);
    assert.equal(e.closeReason, "server fell over");
    return true;
  });
});

test("a request nobody answers times out with failure 'timeout'", async (t) => {
  const f = await fake(t);
  const client = new GatewayClient({ url: f.url, requestTimeoutMs: 100 });
  t.after(() => client.close());
  await client.connect();
  await assert.rejects(client.call("status"), (e: unknown) => e instanceof GatewayConnectError && e.failure === "timeout");
  assert.equal(client.connected, true);
});

test("two-phase answers: expectFinal waits past 'accepted' for the final result; otherwise the first answer wins", async (t) => {
  const f = await fake(t, {
    onRequest: (peer, req) => {
      peer.respond(req.id, true, { runId: "run-1", status: "accepted" });
      setTimeout(() => peer.respond(req.id, true, { runId: "run-1", status: "ok", text: "done" }), 20);
    },
  });
  const client = new GatewayClient({ url: f.url });
  t.after(() => client.close());
  await client.connect();
  assert.deepEqual(await client.request("agent", { message: "hi", idempotencyKey: "a1" }, { expectFinal: true }), {
    runId: "run-1",
    status: "ok",
    text: "done",
  });
  assert.deepEqual(await client.request("agent", { message: "hi", idempotencyKey: "a2" }), { runId: "run-1", status: "accepted" });
});

test("with reconnect, the client comes back when the gateway restarts on the same port", async (t) => {
  const stateDir = await mkdtemp(join(tmpdir(), "clawdbot-client-test-"));
  const gw1 = await startGateway({ stateDir });
  let gw2: TestGateway | undefined;
  const { client, seen } = recordingClient({
    url: gw1.url,
    identity: generateIdentity(),
    client: { id: "test", mode: "ui" },
    reconnect: true,
  });
  t.after(async () => {
    client.close();
    await gw1.stop();
    await gw2?.stop();
    await rm(stateDir, { recursive: true, force: true });
  });
  await client.connect();
  assert.equal((await client.call("health")).ok, true);

  await gw1.gateway.stop("restart", 500);
  await waitFor("onClose", () => seen.closes.length === 1);
  assert.deepEqual(seen.closes[0], { code: 1012, reason: "service restart" });
  assert.ok(seen.events.some((e) => e.event === "shutdown"));
  await assert.rejects(client.call("health"), GatewayConnectError, "a request while disconnected rejects");

  gw2 = await startGateway({ stateDir, flags: { port: gw1.port } });
  await waitFor("a second hello-ok", () => seen.hellos.length === 2, 15_000);
  assert.notEqual(seen.hellos[1]?.server.connId, seen.hellos[0]?.server.connId);
  assert.equal(client.connected, true);
  assert.equal((await client.call("health")).ok, true);
  const status = await client.call("status");
  assert.equal(status.connections, 1);
});

test("close() stops reconnecting", async (t) => {
  const f = await fake(t);
  const { client, seen } = recordingClient({ url: f.url, reconnect: true });
  await client.connect();
  client.close();
  await waitFor("onClose", () => seen.closes.length === 1);
  // Longer than the first backoff delay (at most 500 ms).
  await new Promise((r) => setTimeout(r, 800));
  assert.equal(seen.hellos.length, 1);
  assert.equal(client.connected, false);
});

test("after a drop the client reconnects to the same peer and resets its seq tracking (no false gap)", async (t) => {
  const f = await fake(t);
  const { client, seen } = recordingClient({ url: f.url, reconnect: true });
  t.after(() => client.close());
  await client.connect();
  const first = await f.nextPeer();
  first.event("presence", { presence: [] }, 41);
  await waitFor("event", () => seen.events.some((e) => e.seq === 41));
  first.ws.close(1012, "service restart");
  const second = await f.nextPeer();
  await waitFor("second hello", () => seen.hellos.length === 2);
  second.event("presence", { presence: [] }, 1);
  await waitFor("event", () => seen.events.some((e) => e.seq === 1));
  assert.deepEqual(seen.gaps, []);
});

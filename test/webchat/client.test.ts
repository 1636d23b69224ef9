// The pages' gateway connection (@clawdbot/protocol/browser) run in node with the `ws` WebSocket,
// against the real gateway (and, for dead links, a small fake that speaks the handshake).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nacl from "tweetnacl";
import WebSocket, { WebSocketServer } from "ws";
import { DeviceStore } from "@clawdbot/sidecar";
import { startGateway, type StartOptions, type TestGateway } from "../support/gateway.js";
import { browser, memoryStorage, type ClientOptions, type GatewayClient, type PageStorage, type Status } from "./support/modules.js";

const { Backoff, BrowserGatewayClient: GatewayClientClass } = browser;
const KEYS = browser.identityKeys("clawdbot.webchat");

interface Harness {
  client: GatewayClient;
  statuses: Status[];
  hellos: Record<string, unknown>[];
  events: [string, unknown][];
  storage: PageStorage & { map: Map<string, string> };
  /** Resolves when a status with `state` (and optional code) is reported after this call. */
  next(state: Status["state"], code?: string, ms?: number): Promise<Status>;
}

function harness(t: import("node:test").TestContext, url: string, opts: Partial<ClientOptions> = {}): Harness {
  const statuses: Status[] = [];
  const hellos: Record<string, unknown>[] = [];
  const events: [string, unknown][] = [];
  const waiters: { state: string; code: string | undefined; resolve: (s: Status) => void }[] = [];
  const storage = (opts.storage as Harness["storage"] | undefined) ?? memoryStorage();
  const client = new GatewayClientClass({
    url,
    WebSocket,
    nacl,
    storage,
    keys: KEYS,
    client: { id: "webchat-ui", version: "0.1.0", platform: "node-test", mode: "webchat" },
    role: "operator",
    scopes: ["operator.read", "operator.write"],
    pageName: "WebChat",
    backoff: new Backoff(50, 400),
    onStatus: (s) => {
      statuses.push(s);
      for (const w of [...waiters]) {
        if (w.state === s.state && (w.code === undefined || w.code === s.code)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(s);
        }
      }
    },
    onHello: (h) => hellos.push(h),
    onEvent: (e, p) => events.push([e, p]),
    ...opts,
  });
  t.after(() => client.stop());
  const next = (state: Status["state"], code?: string, ms = 10_000) =>
    new Promise<Status>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${state} ${code ?? ""} status within ${ms} ms; saw ${JSON.stringify(statuses)}`)), ms);
      waiters.push({ state, code, resolve: (s) => (clearTimeout(timer), resolve(s)) });
    });
  return { client, statuses, hellos, events, storage, next };
}

/** A `ws` socket that tells the gateway it was forwarded for another machine, so it is not local. */
class RemoteSocket extends WebSocket {
  constructor(url: string) {
    super(url, { headers: { "X-Forwarded-For": "203.0.113.9" } });
  }
}

async function gateway(t: import("node:test").TestContext, opts: StartOptions = {}): Promise<TestGateway> {
  const gw = await startGateway(opts);
  t.after(() => gw.stop());
  return gw;
}

test("connects with a signed connect, keeps the issued device token, and presents it next time", async (t) => {
  const gw = await gateway(t);
  const a = harness(t, gw.url);
  const connected = a.next("connected");
  a.client.start();
  await connected;
  assert.deepEqual(a.statuses.map((s) => s.state), ["connecting", "connected"]);
  const hello = a.hellos[0] as { type: string; auth?: { deviceToken: string } };
  assert.equal(hello.type, "hello-ok");
  const token = hello.auth?.deviceToken;
  assert.ok(token, "a first connect is issued a device token");
  const ident = await browser.loadIdentity(a.storage, KEYS, nacl);
  assert.equal(browser.loadDeviceToken(a.storage, KEYS, ident.deviceId, "operator")?.token, token);
  a.client.stop();

  const b = harness(t, gw.url, { storage: a.storage });
  const again = b.next("connected");
  b.client.start();
  await again;
  assert.equal((b.hellos[0] as { auth?: unknown }).auth, undefined, "a connect with a valid device token is not issued a new one");
  const health = (await b.client.request("health")) as { ok: boolean };
  assert.equal(health.ok, true);
});

test("a stored token the gateway does not know (new state dir) is dropped and the client connects without it", async (t) => {
  const gw1 = await gateway(t);
  const a = harness(t, gw1.url);
  const first = a.next("connected");
  a.client.start();
  await first;
  a.client.stop();
  const oldToken = [...a.storage.map.entries()].find(([k]) => k === KEYS.deviceToken)?.[1];
  assert.ok(oldToken);

  const gw2 = await gateway(t);
  const b = harness(t, gw2.url, { storage: a.storage });
  const refused = b.next("disconnected", "UNAUTHORIZED");
  const connected = b.next("connected");
  b.client.start();
  assert.match((await refused).message ?? "", /unauthorized/);
  await connected;
  const newToken = a.storage.getItem(KEYS.deviceToken);
  assert.ok(newToken && newToken !== oldToken, "the new gateway's token replaced the stale one");
});

test("NOT_PAIRED: the status carries the gateway's message; the client re-checks every second at most and connects once approved", async (t) => {
  const gw = await gateway(t, { file: { gateway: { pairing: { autoApproveLocal: false } } } });
  // A long backoff: waiting for an approval must not grow with it.
  const h = harness(t, gw.url, { backoff: new Backoff(8000, 60_000, () => 0.5) });
  const refused = h.next("disconnected", "NOT_PAIRED");
  h.client.start();
  const s = await refused;
  assert.match(s.message ?? "", /^pairing required: .*`clawdbot pair approve [0-9a-f-]+`/);
  assert.equal(s.retryInMs, 1000);
  const again = await h.next("disconnected", "NOT_PAIRED", 5000);
  assert.equal(again.retryInMs, 1000, "still 1 s on the next refusal");
  const connected = h.next("connected", undefined, 15_000);
  const store = await DeviceStore.open(gw.stateDir, Date.now);
  const [pending] = store.listPending();
  assert.ok(pending);
  assert.equal(pending.clientId, "webchat-ui");
  await store.approve(pending.requestId);
  await connected;
});

test("NOT_PAIRED for longer than a pairing request lives (5 min): the usual backoff applies again", async (t) => {
  const gw = await gateway(t, { file: { gateway: { pairing: { autoApproveLocal: false } } } });
  let clock = Date.now();
  const h = harness(t, gw.url, { backoff: new Backoff(8000, 60_000, () => 0.5), now: () => clock });
  const first = h.next("disconnected", "NOT_PAIRED");
  h.client.start();
  assert.equal((await first).retryInMs, 1000);
  assert.equal((await h.next("disconnected", "NOT_PAIRED", 5000)).retryInMs, 1000);
  clock += 5 * 60_000 + 1;
  const later = await h.next("disconnected", "NOT_PAIRED", 5000);
  assert.equal(later.retryInMs, 24_000, "the third attempt's backoff (8 s doubled twice, jitter in the upper half)");
});

test("a gateway restart: disconnected (pending requests fail), then connected again on its own, hello twice", async (t) => {
  const stateDir = await mkdtemp(join(tmpdir(), "clawdbot-webchat-client-"));
  t.after(() => rm(stateDir, { recursive: true, force: true }));
  let gw = await startGateway({ stateDir });
  t.after(() => gw.stop());
  const h = harness(t, gw.url);
  const connected = h.next("connected");
  h.client.start();
  await connected;

  const down = h.next("disconnected");
  const port = gw.port;
  await gw.stop();
  const s = await down;
  assert.equal(s.code, "SHUTDOWN", JSON.stringify(s));
  await assert.rejects(h.client.request("health"), { code: "DISCONNECTED" });

  const up = h.next("connected", undefined, 20_000);
  gw = await startGateway({ stateDir, flags: { port } });
  await up;
  assert.equal(h.hellos.length, 2);
  assert.equal(((await h.client.request("health")) as { ok: boolean }).ok, true);
});

test("request errors carry the gateway's code; requests while disconnected fail at once", async (t) => {
  const gw = await gateway(t);
  const h = harness(t, gw.url);
  await assert.rejects(h.client.request("health"), { code: "DISCONNECTED" });
  const connected = h.next("connected");
  h.client.start();
  await connected;
  await assert.rejects(h.client.request("device.pair.list"), (err: { code: string }) => ["FORBIDDEN", "INVALID_REQUEST"].includes(err.code));
  await assert.rejects(h.client.request("no.such.method"), { name: "GatewayRequestError" });
});

test("a link that goes silent (no tick for two intervals) is closed with 4000 and reconnected", async (t) => {
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  t.after(() => wss.close());
  await new Promise((r) => wss.once("listening", r));
  const closes: number[] = [];
  let connects = 0;
  wss.on("connection", (ws) => {
    ws.send(JSON.stringify({ type: "event", event: "connect.challenge", payload: { nonce: `nonce-${connects}`, ts: Date.now() } }));
    ws.on("message", (data) => {
      const req = JSON.parse(String(data)) as { id: string; method: string; params: { device: { nonce: string } } };
      if (req.method !== "connect") return;
      connects++;
      assert.equal(req.params.device.nonce, `nonce-${connects - 1}`, "the signature covers this socket's challenge");
      ws.send(JSON.stringify({ type: "res", id: req.id, ok: true, payload: { type: "hello-ok", protocol: 3, policy: { tickIntervalMs: 100 } } }));
    });
    ws.on("close", (code) => closes.push(code));
  });
  const { port } = wss.address() as { port: number };
  const h = harness(t, `ws://127.0.0.1:${port}/`);
  const first = h.next("connected");
  h.client.start();
  await first;
  const second = h.next("connected", undefined, 5_000);
  await second;
  assert.ok(closes.includes(4000), `closed with 4000: ${JSON.stringify(closes)}`);
  assert.ok(connects >= 2);
});

test("a token typed while an attempt is under way (another machine): that attempt is refused, the next one goes at once with the token", async (t) => {
  const gw = await gateway(t, { flags: { token: "typed-secret" } });
  let typed: string | undefined;
  let a: Harness | undefined = undefined;
  // The person types the token just after the first attempt read it (none yet).
  const secret = () => {
    const now = typed;
    if (!typed) {
      typed = "typed-secret";
      queueMicrotask(() => a!.client.reconnectNow());
    }
    return now ? { token: now } : undefined;
  };
  // A backoff far longer than the waits below: only an immediate retry connects in time. The socket
  // comes from another machine (a forwarding header): on the gateway host no token would be needed.
  a = harness(t, gw.url, { backoff: new Backoff(120_000, 120_000), secret, WebSocket: RemoteSocket });
  const refused = a.next("disconnected", "UNAUTHORIZED");
  const pairing = a.next("disconnected", "NOT_PAIRED");
  a.client.start();
  assert.equal((await refused).retryInMs, 0);
  // The token got the second attempt past the secret; from another machine a new device is then approved once.
  const { requestId } = await pairing;
  assert.deepEqual(a.statuses.slice(0, 4).map((s) => s.state), ["connecting", "disconnected", "connecting", "disconnected"]);
  const connected = a.next("connected");
  assert.ok(await (await DeviceStore.open(gw.stateDir, Date.now)).approve(requestId!));
  await connected;
});

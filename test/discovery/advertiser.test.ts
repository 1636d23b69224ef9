// The advertiser is isolated from the gateway: failures are logged and retried, start() never
// waits or throws, stop() is safe at any time. Fakes stand in for the mDNS socket, except in the
// last tests, where the real library fails to bind (no packet can leave an unbound socket).
import { test, afterEach } from "node:test";
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { Writable } from "node:stream";
import { pino, type Logger } from "pino";
import type { BrowserConfig, ServiceConfig } from "bonjour-service";
import { GatewayAdvertiser, type GatewayAdvertiserOptions } from "../../sidecar/src/discovery/advertiser.js";
import { createBonjour, type BonjourFactory, type FoundService, type MdnsOptions, type MdnsResponder, type ServiceBrowser } from "../../sidecar/src/discovery/bonjour.js";
import { discoverGateways } from "../../sidecar/src/discovery/browser.js";

const rejections: unknown[] = [];
process.on("unhandledRejection", (reason) => rejections.push(reason));
afterEach(() => assert.deepEqual(rejections, [], "no unhandled rejection"));

interface LogLine {
  level: number;
  msg: string;
  err?: { message: string; code?: string };
  retryInMs?: number;
  name?: string;
}

function capture(): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(JSON.parse(chunk.toString()) as LogLine);
      cb();
    },
  });
  return { log: pino({ level: "debug" }, sink), lines };
}

/** An in-memory responder: records what it is asked, answers 'up' on the next tick. */
class FakeResponder implements MdnsResponder {
  readonly calls: string[] = [];
  readonly published: ServiceConfig[] = [];
  hangOnGoodbye = false;
  constructor(
    readonly opts: MdnsOptions,
    private readonly taken: string[] = [],
  ) {}
  publish(config: ServiceConfig) {
    this.calls.push("publish");
    this.published.push(config);
    const service = new EventEmitter();
    setImmediate(() => service.emit("up"));
    return service;
  }
  find(config: BrowserConfig): ServiceBrowser {
    assert.equal(config.type, "clawdbot-gw");
    const services: FoundService[] = this.taken.map((name) => ({ name, fqdn: `${name}._clawdbot-gw._tcp.local`, host: "other.local", port: 1 }));
    return { services, on: () => undefined, update: () => undefined, stop: () => undefined };
  }
  unpublishAll(done: () => void): void {
    this.calls.push("unpublishAll");
    if (!this.hangOnGoodbye) setImmediate(done);
  }
  destroy(done: () => void): void {
    this.calls.push("destroy");
    setImmediate(done);
  }
}

const BASE = { displayName: "Box", hostname: "box.example.org", port: 18789, canvasPort: 18793, minimal: false, nameCheckMs: 0, retry: { initialMs: 20, maxMs: 40 } };

function advertiser(factory: BonjourFactory, extra: Partial<GatewayAdvertiserOptions> = {}) {
  const { log, lines } = capture();
  return { adv: new GatewayAdvertiser({ ...BASE, log, bonjourFactory: factory, ...extra }), lines };
}

async function waitFor(cond: () => boolean, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const warnings = (lines: LogLine[]) => lines.filter((l) => l.msg === "mdns advertising failed; retrying");

test("a factory that throws is logged and retried with backoff; start() returns at once and never throws", async () => {
  let calls = 0;
  const made: FakeResponder[] = [];
  const { adv, lines } = advertiser((opts) => {
    calls++;
    if (calls <= 2) throw new Error(`boom ${calls}`);
    const r = new FakeResponder(opts);
    made.push(r);
    return r;
  });
  assert.equal(adv.start(), undefined);
  assert.equal(calls, 1, "first attempt made synchronously, its throw swallowed");
  await waitFor(() => lines.some((l) => l.msg === "advertising gateway over mdns"));
  assert.equal(calls, 3);
  const warned = warnings(lines);
  assert.deepEqual(warned.map((l) => l.err?.message), ["boom 1", "boom 2"]);
  for (const w of warned) assert.ok(w.level === 40 && w.retryInMs !== undefined && w.retryInMs >= 10 && w.retryInMs <= 40, JSON.stringify(w));
  assert.deepEqual(made[0]?.published, [
    {
      name: "Box",
      type: "clawdbot-gw",
      protocol: "tcp",
      port: 18789,
      host: "box.local",
      txt: { role: "gateway", gatewayPort: "18789", displayName: "Box", lanHost: "box.local", canvasPort: "18793" },
      probe: false,
    },
  ]);
  await adv.stop();
  assert.deepEqual(made[0]?.calls, ["publish", "unpublishAll", "destroy"], "goodbyes, then the socket closes");
});

test("a responder whose socket fails is dropped and replaced once per failure; errors after stop() are ignored", async () => {
  const made: FakeResponder[] = [];
  const { adv, lines } = advertiser((opts) => {
    const r = new FakeResponder(opts);
    made.push(r);
    if (made.length === 1) opts.onError(new Error("failed while being built"));
    if (made.length === 2) {
      setTimeout(() => {
        opts.onError(Object.assign(new Error("bind EADDRINUSE 0.0.0.0:5353"), { code: "EADDRINUSE" }));
        opts.onError(new Error("the same dead socket again"));
      }, 5);
    }
    return r;
  });
  adv.start();
  await waitFor(() => made.length === 3 && made[2]!.calls.includes("publish"));
  await sleep(100);
  assert.equal(made.length, 3, "one retry per failed instance, not per error");
  assert.deepEqual(made[0]?.calls, ["destroy"], "never published");
  assert.deepEqual(made[1]?.calls, ["publish", "destroy"], "no goodbye through a failed socket");
  assert.deepEqual(warnings(lines).map((l) => l.err?.message), ["failed while being built", "bind EADDRINUSE 0.0.0.0:5353"]);

  await adv.stop();
  made[2]!.opts.onError(new Error("late"));
  await sleep(80);
  assert.equal(made.length, 3, "no retry after stop()");
});

test("start() does not wait for mDNS: the name check and publishing happen in the background", async () => {
  const made: FakeResponder[] = [];
  const { adv, lines } = advertiser(
    (opts) => {
      const r = new FakeResponder(opts, ["box", "Box (2)"]);
      made.push(r);
      return r;
    },
    { nameCheckMs: 150 },
  );
  const t0 = performance.now();
  adv.start();
  assert.ok(performance.now() - t0 < 50, "returned at once");
  assert.equal(made[0]?.published.length, 0, "nothing published yet");
  await waitFor(() => made[0]!.published.length === 1);
  assert.equal(made[0]?.published[0]?.name, "Box (3)", "names taken on the network are skipped (case-insensitively)");
  assert.ok(lines.some((l) => l.msg === "mdns name in use on the network; renamed" && l.name === "Box (3)"));
  await adv.stop();
});

test("stop() is safe at any time: before start, twice, during a retry wait, and when the goodbye never completes", async () => {
  let calls = 0;
  const idle = advertiser(() => {
    calls++;
    throw new Error("unused");
  });
  await idle.adv.stop();
  await idle.adv.stop();
  idle.adv.start();
  assert.equal(calls, 0, "start() after stop() does nothing");

  const waiting = advertiser(
    () => {
      calls++;
      throw new Error("always");
    },
    { retry: { initialMs: 10_000, maxMs: 10_000 } },
  );
  waiting.adv.start();
  const t0 = performance.now();
  await Promise.all([waiting.adv.stop(), waiting.adv.stop()]);
  assert.ok(performance.now() - t0 < 100, "the retry timer is cancelled, not awaited");
  assert.equal(calls, 1);

  let hanging: FakeResponder | undefined;
  const stuck = advertiser((opts) => {
    hanging = new FakeResponder(opts);
    hanging.hangOnGoodbye = true;
    return hanging;
  });
  stuck.adv.start();
  await waitFor(() => hanging?.published.length === 1);
  const t1 = performance.now();
  await stuck.adv.stop();
  assert.ok(performance.now() - t1 < 2500, "a goodbye that never completes does not hold stop() forever");
  assert.deepEqual(hanging?.calls, ["publish", "unpublishAll", "destroy"]);
});

test("the real library: a socket that cannot bind is logged and retried, never thrown", async () => {
  let calls = 0;
  // 192.0.2.1 (TEST-NET-1) is on no interface here: bind fails before any packet could be sent.
  const { adv, lines } = advertiser((opts) => {
    calls++;
    return createBonjour(opts, { bind: "192.0.2.1" });
  });
  adv.start();
  await waitFor(() => warnings(lines).length >= 2);
  await adv.stop();
  assert.ok(calls >= 2);
  assert.equal(warnings(lines)[0]?.err?.code, "EADDRNOTAVAIL");
  assert.ok(!lines.some((l) => l.msg === "advertising gateway over mdns"), "a dead socket is never reported as advertising");
});

test("discoverGateways rejects when the mDNS socket fails, without waiting for the timeout", async () => {
  const t0 = performance.now();
  await assert.rejects(
    discoverGateways({ timeoutMs: 10_000, bonjourFactory: (opts) => createBonjour(opts, { bind: "192.0.2.1" }) }),
    (err: NodeJS.ErrnoException) => err.code === "EADDRNOTAVAIL",
  );
  assert.ok(performance.now() - t0 < 5000);
  await assert.rejects(
    discoverGateways({
      timeoutMs: 10_000,
      bonjourFactory: () => {
        throw new Error("no sockets today");
      },
    }),
    /no sockets today/,
  );
});

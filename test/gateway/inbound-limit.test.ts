// Inbound size limits enforced while a frame streams in: 64 KiB until hello-ok, then the role's
// (operators: gateway.maxPayload; nodes: 24 MiB). A longer frame is refused when its header arrives
// (1009), before the gateway buffers its payload.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { generateIdentity } from "@clawdbot/protocol/client";
import { startGateway } from "../support/gateway.js";
import { connectParams, type ConnectOptions } from "../support/raw-client.js";
import { OP, WireSocket, frameHeader, maskBytes } from "../support/ws-wire.js";
import { startGatewayProcess } from "../support/gateway-process.js";

const KiB = 1024;
const MiB = 1024 * KiB;
const PRE_HELLO = 64 * KiB;
const MAX_PAYLOAD = 512 * KiB;

async function open(t: TestContext, port: number): Promise<WireSocket> {
  const s = await WireSocket.open(port);
  t.after(() => s.destroy());
  await s.waitFor((f) => f.opcode === OP.text && f.payload.includes("connect.challenge"));
  return s;
}

/** Completes the handshake over the raw socket; returns once hello-ok arrived. */
async function handshake(t: TestContext, port: number, o: ConnectOptions = {}): Promise<WireSocket> {
  const s = await open(t, port);
  const challenge = s.json().find((f) => f["event"] === "connect.challenge") as { payload: { nonce: string } };
  const params = { ...connectParams({ ...o, nonce: challenge.payload.nonce }), ...(o.role === "node" ? { caps: [], commands: [] } : {}) };
  s.sendText(JSON.stringify({ type: "req", id: "c1", method: "connect", params }));
  const res = await s.waitFor((f) => f.opcode === OP.text && f.payload.includes('"id":"c1"'));
  assert.match(res.payload.toString(), /"ok":true/, res.payload.toString().slice(0, 300));
  return s;
}

/** Sends only a frame header announcing `length` bytes; the payload never follows. */
function announce(s: WireSocket, length: number, opcode: number = OP.text): void {
  s.socket.write(frameHeader(opcode, length).header);
}

test("before hello-ok: a frame header announcing more than 64 KiB is refused with 1009 at once, no payload needed", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const s = await open(t, gw.port);
  announce(s, PRE_HELLO + 1);
  assert.equal(await s.closeFrame(), 1009);
});

test("before hello-ok: a 64 KiB frame is read (and refused as a bad handshake, not as too big)", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const s = await open(t, gw.port);
  s.send(OP.text, "x".repeat(PRE_HELLO));
  assert.equal(await s.closeFrame(), 1008);
});

test("before hello-ok: fragments adding up to more than 64 KiB are refused with 1009 at the fragment that crosses", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const s = await open(t, gw.port);
  s.send(OP.text, "x".repeat(30 * KiB), false);
  s.send(OP.continuation, "x".repeat(30 * KiB), false);
  announce(s, 5 * KiB, OP.continuation);
  assert.equal(await s.closeFrame(), 1009);
});

test("while the connect is being checked (mid-handshake) the pre-hello limit still holds", async (t) => {
  const gw = await startGateway({ flags: { token: "inbound-limit-token" } });
  t.after(() => gw.stop());
  const s = await open(t, gw.port);
  const challenge = s.json()[0] as { payload: { nonce: string } };
  // The connect and the oversized header arrive together: the header is read while the connect is checked.
  const connect = JSON.stringify({ type: "req", id: "c1", method: "connect", params: connectParams({ nonce: challenge.payload.nonce, token: "wrong-token-0" }) });
  const { header, mask } = frameHeader(OP.text, Buffer.byteLength(connect));
  s.socket.write(Buffer.concat([header, maskBytes(Buffer.from(connect), mask), frameHeader(OP.text, PRE_HELLO + 1).header]));
  assert.equal(await s.closeFrame(), 1009);
});

test("after hello-ok an operator may send up to gateway.maxPayload; a longer header is refused with 1009 before its payload", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const s = await handshake(t, gw.port);
  // 200 KiB (above the pre-hello limit) is accepted now.
  const pad = "p".repeat(200 * KiB);
  s.sendText(JSON.stringify({ type: "req", id: `h-${pad}`, method: "health" }));
  const res = await s.waitFor((f) => f.opcode === OP.text && f.payload.includes('"id":"h-'));
  assert.match(res.payload.subarray(0, 40).toString() + res.payload.subarray(-200).toString(), /"ok":true|"type":"res"/);
  announce(s, MAX_PAYLOAD + 1);
  assert.equal(await s.closeFrame(), 1009);
});

test("after hello-ok a node may send a frame beyond the operator limit (up to 24 MiB); beyond that, 1009 at the header", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const s = await handshake(t, gw.port, { role: "node", scopes: [], identity: generateIdentity(), clientId: "node-host", mode: "node" });
  const body = JSON.stringify({ type: "req", id: "n1", method: "health", pad: "z".repeat(2 * MiB) });
  // Sent in pieces, as a large frame arrives: header first, the payload trickling after it.
  const data = Buffer.from(body);
  const { header, mask } = frameHeader(OP.text, data.length);
  s.socket.write(header);
  for (let off = 0; off < data.length; off += 256 * KiB) s.socket.write(maskBytes(data.subarray(off, off + 256 * KiB), mask, off));
  // An unknown top-level key makes it an invalid request: answered, which proves it was read in full.
  const res = await s.waitFor((f) => f.opcode === OP.text && f.payload.includes('"id":"n1"'));
  assert.match(res.payload.toString(), /INVALID_REQUEST/);
  announce(s, 24 * MiB + 1);
  assert.equal(await s.closeFrame(), 1009);
});

test("RSS: 100 unauthenticated sockets each streaming a 16 MiB frame keep the gateway's memory flat", async (t) => {
  const gw = await startGatewayProcess();
  t.after(() => gw.stop());
  // Warm up: a few complete handshakes, then a GC, so the baseline includes the code paths used.
  for (let i = 0; i < 5; i++) (await handshake(t, gw.port)).destroy();
  await gw.gc();
  const before = await gw.stats();
  const sockets: WireSocket[] = [];
  for (let i = 0; i < 100; i++) {
    const s = await WireSocket.open(gw.port);
    t.after(() => s.destroy());
    sockets.push(s);
  }
  // Each announces 16 MiB; what the gateway accepts of it, it gets: up to 4 MiB of payload, sent
  // unless the gateway has refused the frame within 5 s of its header.
  const chunk = Buffer.alloc(64 * KiB, 0x61);
  await Promise.all(
    sockets.map(async (s) => {
      const { header, mask } = frameHeader(OP.text, 16 * MiB);
      s.socket.write(header);
      const refused = () => s.closed || s.frames.some((f) => f.opcode === OP.close);
      await s.waitFor((f) => f.opcode === OP.close, 5000).catch(() => undefined);
      const masked = maskBytes(chunk, mask);
      for (let sent = 0; sent < 4 * MiB && !refused(); sent += chunk.length) {
        if (!s.socket.write(masked)) await new Promise<void>((r) => (s.closed ? r() : s.socket.once("drain", r).once("close", r)));
      }
    }),
  );
  // Sockets stay open (the frames never finish); what the gateway still holds for them is what counts.
  await gw.gc();
  const during = await gw.stats();
  const growth = during.rss - before.rss;
  t.diagnostic(`RSS ${(before.rss / MiB).toFixed(1)} → ${(during.rss / MiB).toFixed(1)} MiB with 100 sockets mid-frame`);
  const closed = await Promise.all(sockets.map((s) => s.closeFrame(10_000)));
  assert.deepEqual(new Set(closed), new Set([1009]), "every socket is refused as too big");
  assert.ok(growth < 32 * MiB, `RSS grew by ${(growth / MiB).toFixed(1)} MiB (from ${(before.rss / MiB).toFixed(1)} MiB)`);
  assert.equal(during.unhandledRejections + during.uncaughtExceptions, 0, during.errors.join("\n"));
});

test("setInboundLimit fails loudly when ws has no per-socket receiver limit (a ws upgrade must not lift it silently)", async () => {
  const { setInboundLimit } = await import("../../sidecar/src/server/inbound-limit.js");
  assert.throws(() => setInboundLimit({} as never, 1), /_maxPayload/);
  assert.throws(() => setInboundLimit({ _receiver: {} } as never, 1), /_maxPayload/);
  const ws = { _receiver: { _maxPayload: 10 } };
  setInboundLimit(ws as never, 99);
  assert.equal(ws._receiver._maxPayload, 99);
});

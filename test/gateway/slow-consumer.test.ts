// Back-pressure: a client that stops reading is cut off once its outbound buffer passes
// maxBufferedBytes; everyone else keeps being served.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Socket } from "node:net";
import { startGateway } from "../support/gateway.js";
import { connectRaw, type RawClient } from "../support/raw-client.js";
import { assertWireValid, events, isOpen } from "./wire.js";

/** Small, but leaves room for hello-ok (~2 KB) so only the backlog decides. */
const MAX_BUFFERED = 16 * 1024;

function socketOf(c: RawClient): Socket {
  return (c.ws as unknown as { _socket: Socket })._socket;
}

test("a client that stops reading is closed 1008 'slow consumer' while a reading client keeps working", async (t) => {
  const gw = await startGateway({ file: { gateway: { maxBufferedBytes: MAX_BUFFERED } } });
  t.after(() => gw.stop());
  const fast = await connectRaw(gw.url, { mode: "ui" });
  const slow = await connectRaw(gw.url, { mode: "ui" });
  t.after(() => (fast.client.close(), slow.client.close()));
  assert.equal(slow.res.ok, true);
  socketOf(slow.client).pause();

  // Presence events are not droppable. Each one stays well under maxBufferedBytes on its own;
  // the kernel buffers of the paused socket absorb a few MB before the gateway's own buffer grows.
  const text = "x".repeat(600);
  const cutOff = () => gw.logs.tail(undefined, 5000, 50_000_000).lines.some((l) => l.includes("slow consumer"));
  let sent = 0;
  while (!cutOff()) {
    assert.ok(sent < 40_000, "the paused client was never cut off");
    const batch = Array.from({ length: 250 }, () => fast.client.request("system-event", { text: `${text}${sent++}` }));
    for (const res of await Promise.all(batch)) assert.equal(res.ok, true, JSON.stringify(res));
  }

  // The reading client is unaffected: still open, still answered, and it saw every broadcast in order.
  assert.ok(isOpen(fast.client));
  assert.equal((await fast.client.request("health")).ok, true);
  const seqs = events(fast.client, "presence").map((f) => f.seq as number);
  for (let i = 1; i < seqs.length; i++) assert.equal(seqs[i], (seqs[i - 1] as number) + 1);

  // Once the slow client reads again it drains what was queued and finds the close.
  socketOf(slow.client).resume();
  assert.deepEqual(await slow.client.closed, { code: 1008, reason: "slow consumer" });
  const status = (await fast.client.request("status")).payload as { connections: number };
  assert.equal(status.connections, 1);
  assertWireValid(fast.client.frames.slice(0, 200));
});

// Regression: the buffer check used to count the frame being sent, so any single frame larger than
// maxBufferedBytes cut off even a client whose buffer was empty (here: its own presence broadcast).
test("a single frame larger than maxBufferedBytes is delivered to a client that is keeping up", async (t) => {
  const gw = await startGateway({ file: { gateway: { maxBufferedBytes: 4096 } } });
  t.after(() => gw.stop());
  const a = await connectRaw(gw.url, { mode: "ui" });
  const b = await connectRaw(gw.url, { mode: "ui" });
  t.after(() => (a.client.close(), b.client.close()));
  const big = "y".repeat(4096); // the presence event carrying it is ~4.7 KB
  const res = await Promise.race([a.client.request("system-event", { text: big }), a.client.closed]);
  assert.equal((res as { ok?: boolean }).ok, true, `the caller was cut off: ${JSON.stringify(res)}`);
  const seen = await Promise.race([b.client.event("presence"), b.client.closed]);
  assert.ok(isOpen(b.client), `a bystander that reads was cut off: ${JSON.stringify(seen)}`);
});

// Responses of one turn are written together; what is held for that write is not a backlog, so a
// burst of pipelined requests whose answers add up past maxBufferedBytes is answered, not cut off.
test("a burst of pipelined requests answered in one turn is not mistaken for a slow consumer", async (t) => {
  const gw = await startGateway({ file: { gateway: { maxBufferedBytes: 4096 } } });
  t.after(() => gw.stop());
  const { client } = await connectRaw(gw.url, { mode: "cli" });
  t.after(() => client.close());
  // One TCP write carrying every request, so the gateway reads and answers them in the same turn.
  const socket = socketOf(client);
  socket.cork();
  const answers = Array.from({ length: 200 }, () => client.request("health"));
  socket.uncork();
  const res = await Promise.race([Promise.all(answers), client.closed]);
  assert.ok(Array.isArray(res), `cut off: ${JSON.stringify(res)}`);
  assert.ok(res.every((r) => r.ok === true));
  assert.ok(isOpen(client));
  // ~80 KB of answers: more than one batch, still every one in order of the requests.
  const ids = client.frames.filter((f) => f.type === "res").map((f) => f.id);
  assert.deepEqual(ids.slice(-200), res.map((r) => r.id));
});

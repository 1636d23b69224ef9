// WriteBatch on a real loopback TCP socket: what one turn writes leaves in one write, at the end
// of the turn, in order; a batch past 64 KiB leaves at once.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, connect, type Socket } from "node:net";
import { once } from "node:events";

const { WriteBatch } = await import("../../sidecar/src/server/write-batch.js");

async function socketPair(t: { after: (fn: () => unknown) => void }): Promise<{ local: Socket; peer: Socket }> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as { port: number }).port;
  const accepted = once(server, "connection") as Promise<[Socket]>;
  const local = connect(port, "127.0.0.1");
  await once(local, "connect");
  const [peer] = await accepted;
  t.after(() => (local.destroy(), peer.destroy(), server.close()));
  return { local, peer };
}

function collect(peer: Socket, bytes: number): Promise<string> {
  let got = "";
  return new Promise((resolve) => {
    peer.on("data", (d: Buffer) => {
      got += d.toString();
      if (got.length >= bytes) resolve(got);
    });
  });
}

test("frames written in one turn are held until the turn ends, then arrive in order", async (t) => {
  const { local, peer } = await socketPair(t);
  const batch = new WriteBatch(local);
  const frames = Array.from({ length: 64 }, (_, i) => `frame-${i};`);
  const total = frames.join("").length;
  const arrived = collect(peer, total);
  for (const f of frames) {
    batch.hold();
    local.write(f);
    batch.written();
  }
  // Without the batch, each write goes to the kernel at once and nothing stays queued.
  assert.equal(local.writableLength, total, "the turn's frames are held in the socket");
  const promiseReactions = await Promise.resolve().then(() => local.writableLength);
  assert.equal(promiseReactions, total, "still held while this turn's promise reactions run");
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(local.writableLength, 0, "written once the turn is over");
  assert.equal(await arrived, frames.join(""));
});

test("a batch past 64 KiB is written at once; release() reports whether anything was held", async (t) => {
  const { local, peer } = await socketPair(t);
  const batch = new WriteBatch(local);
  assert.equal(batch.release(), false);
  const chunk = "z".repeat(16 * 1024);
  const arrived = collect(peer, chunk.length * 5);
  for (let i = 0; i < 5; i++) {
    batch.hold();
    local.write(chunk);
    batch.written();
  }
  // The fourth chunk took the batch to 64 KiB and sent it; only the fifth is held.
  assert.equal(local.writableLength, chunk.length);
  assert.equal(batch.release(), true);
  assert.equal(batch.release(), false);
  assert.equal((await arrived).length, chunk.length * 5);
});

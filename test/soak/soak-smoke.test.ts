// A short run of the soak harness (`make soak` runs 10 minutes of 500 clients): every client
// connects, calls and drops, nodes answer invokes, a storm reconnects everyone, and the gateway
// neither crashes nor logs an error. Its figures are printed, not asserted (they depend on the
// machine); `make soak` judges them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { runSoak } from "./soak.js";

test("soak harness smoke: 40 clients and 4 nodes for 30 s with a reconnect storm", async (t) => {
  const lines: string[] = [];
  const r = await runSoak({ seconds: 30, clients: 40, nodes: 4, intervalSeconds: 10, stormEverySeconds: 60, firstStormAtSeconds: 15, log: (l) => lines.push(l) });
  for (const line of lines) t.diagnostic(line);
  assert.equal(r.crashed, false);
  const g = r.gateway;
  assert.deepEqual([g.uncaughtExceptions, g.unhandledRejections, g.loggedErrors], [0, 0, 0], g.errors?.join("\n"));
  assert.equal(r.samples.length, 3, "a report line every interval");
  for (const s of r.samples) assert.ok(s.rss > 0 && s.fds > 0 && s.handles > 0, JSON.stringify(s));
  const x = r.totals;
  assert.ok(x.calls > 0 && x.invokes > 0 && x.drops > 0 && x.dropsWithoutClose > 0, JSON.stringify(x));
  assert.deepEqual([x.refusedConnects, x.callErrors, x.callTimeouts, x.invokeErrors], [0, 0, 0, 0], JSON.stringify(x));
  assert.equal(r.storms.length, 1);
  assert.ok(r.storms[0]!.reconnected >= r.storms[0]!.expected, JSON.stringify(r.storms));
  assert.ok(r.gcRss.baseline > 0 && r.gcRss.end > 0);
});

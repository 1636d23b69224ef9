// RequestTally: the request counter and latency histogram behind GET /metrics, rendered in the
// Prometheus text format (cumulative buckets, le inclusive, +Inf = count, escaped labels).
import { test } from "node:test";
import assert from "node:assert/strict";

const { RequestTally } = await import("../../sidecar/src/metrics/request-tally.js");
const FAMILIES = { requests: { name: "r_total", help: "Requests." }, latency: { name: "lat_seconds", help: "Latency." } };

test("counts by method and outcome; buckets are cumulative and a value on a bound counts in it", () => {
  const t = new RequestTally(FAMILIES, [0.01, 0.1, 1]);
  t.record("health", "ok", 0.01);
  t.record("health", "ok", 0.05);
  t.record("health", "INVALID_REQUEST", 3);
  t.record("status", "ok", 0.0001);
  const lines = t.text().trimEnd().split("\n");
  assert.deepEqual(lines, [
    "# HELP r_total Requests.",
    "# TYPE r_total counter",
    'r_total{method="health",outcome="ok"} 2',
    'r_total{method="health",outcome="INVALID_REQUEST"} 1',
    'r_total{method="status",outcome="ok"} 1',
    "# HELP lat_seconds Latency.",
    "# TYPE lat_seconds histogram",
    'lat_seconds_bucket{le="0.01",method="health"} 1',
    'lat_seconds_bucket{le="0.1",method="health"} 2',
    'lat_seconds_bucket{le="1",method="health"} 2',
    'lat_seconds_bucket{le="+Inf",method="health"} 3',
    'lat_seconds_sum{method="health"} 3.06',
    'lat_seconds_count{method="health"} 3',
    'lat_seconds_bucket{le="0.01",method="status"} 1',
    'lat_seconds_bucket{le="0.1",method="status"} 1',
    'lat_seconds_bucket{le="1",method="status"} 1',
    'lat_seconds_bucket{le="+Inf",method="status"} 1',
    'lat_seconds_sum{method="status"} 0.0001',
    'lat_seconds_count{method="status"} 1',
  ]);
});

test("label values are escaped; nothing recorded renders only the HELP and TYPE lines", () => {
  const empty = new RequestTally(FAMILIES);
  assert.equal(empty.text().trimEnd().split("\n").length, 4);
  const t = new RequestTally(FAMILIES);
  t.record('we"ird\\name\n', "ok", 0.2);
  assert.ok(t.text().includes('r_total{method="we\\"ird\\\\name\\n",outcome="ok"} 1'));
});

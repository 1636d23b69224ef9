import { test } from "node:test";
import assert from "node:assert/strict";
import { GatewayError, MAX_JSON_DEPTH, decodeFrame } from "@clawdbot/sidecar";

function reason(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof GatewayError);
    return `${err.reason}: ${err.message}`;
  }
  return "ok";
}

test("decodeFrame accepts plain JSON objects", () => {
  assert.deepEqual(decodeFrame('{"type":"req","id":"1","method":"health"}'), { type: "req", id: "1", method: "health" });
});

test("decodeFrame rejects non-JSON, over-deep nesting and __proto__ keys at any depth", () => {
  assert.match(reason(() => decodeFrame("{nope")), /^invalid_frame: frame is not valid JSON/);
  const deep = "[".repeat(MAX_JSON_DEPTH + 1) + "]".repeat(MAX_JSON_DEPTH + 1);
  assert.match(reason(() => decodeFrame(deep)), /deeper than 32/);
  const ok = "[".repeat(MAX_JSON_DEPTH) + "]".repeat(MAX_JSON_DEPTH);
  assert.equal(reason(() => decodeFrame(ok)), "ok");
  assert.match(reason(() => decodeFrame('{"params":{"a":[{"__proto__":{"x":1}}]}}')), /forbidden key "__proto__"/);
  assert.equal(({} as Record<string, unknown>)["x"], undefined);
});

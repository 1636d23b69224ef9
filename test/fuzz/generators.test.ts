// The fuzzer's own parts: unmutated frames drawn from the schemas are valid (so mutations start
// from frames the gateway must accept), mutations produce what they claim, and the contract
// ledger catches each kind of broken answer.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ConnectParamsSchema, METHODS, check, formatIssues, isMethodName } from "@clawdbot/protocol";
import { KEYWORDS, schemaArbitrary, type JsonSchema } from "./schema-arbitrary.js";
import { fuzzHints, loadProtocolDocument } from "./frames.js";
import { Binary, Entries, Raw, applyMutations, toText } from "./mutate.js";
import { Ledger } from "./contract.js";

const doc = loadProtocolDocument();

test("the generated schema uses only keywords the generator understands", () => {
  const unknown = new Set<string>();
  const walk = (s: unknown, inMap: boolean): void => {
    if (Array.isArray(s)) return s.forEach((x) => walk(x, false));
    if (s === null || typeof s !== "object") return;
    for (const [k, v] of Object.entries(s)) {
      if (!inMap && !KEYWORDS.has(k)) unknown.add(k);
      walk(v, !inMap && (k === "properties" || k === "patternProperties"));
    }
  };
  for (const d of Object.values(doc.definitions)) walk(d, false);
  assert.deepEqual([...unknown], []);
});

test("params drawn for every method, and connect params, validate against the protocol's schemas", () => {
  const hints = fuzzHints(["n".repeat(64)], ["d".repeat(64)]);
  for (const method of Object.keys(doc.methods)) {
    assert.ok(isMethodName(method), method);
    const arb = schemaArbitrary(doc.definitions[`method:${method}:params`] as JsonSchema, hints);
    for (const v of fc.sample(arb, { numRuns: 40, seed: 7 })) {
      const r = check(METHODS[method].params, v);
      assert.ok(r.ok, `${method}: ${r.ok ? "" : formatIssues(r.issues)}: ${JSON.stringify(v)}`);
    }
  }
  for (const v of fc.sample(schemaArbitrary(doc.definitions["ConnectParams"] as JsonSchema, hints), { numRuns: 100, seed: 7 })) {
    const r = check(ConnectParamsSchema, v);
    assert.ok(r.ok, r.ok ? "" : formatIssues(r.issues));
  }
});

test("mutations write duplicate keys, out-of-range numbers, depth, truncation, invalid UTF-8 and binary frames", () => {
  assert.equal(toText(new Entries([["id", "a"], ["id", 1]])), '{"id":"a","id":1}');
  assert.equal(toText({ n: new Raw("1e309") }), '{"n":1e309}');
  const frame = { type: "req", id: "x", method: "health", params: { a: 1 } };
  const dup = applyMutations(frame, [{ kind: "duplicate", at: 2, value: "connect", last: true }]);
  assert.equal(typeof dup, "string");
  assert.equal((dup as string).match(/"id"/g)?.length, 2, String(dup));
  const deep = applyMutations(frame, [{ kind: "depth", at: 4, levels: 40, array: true }]) as string;
  assert.ok(deep.includes("[".repeat(40)));
  const cut = applyMutations(frame, [{ kind: "truncate", fraction: 0.5 }]) as string;
  assert.equal(cut.length, Math.floor(JSON.stringify(frame).length / 2));
  const bytes = applyMutations(frame, [{ kind: "badUtf8", at: 1 }]);
  assert.ok(Buffer.isBuffer(bytes));
  assert.throws(() => new TextDecoder("utf-8", { fatal: true }).decode(bytes as Buffer));
  const binary = applyMutations(frame, [{ kind: "binary" }]);
  assert.ok(binary instanceof Binary);
  assert.deepEqual(JSON.parse(binary.bytes.toString()), frame);
  assert.deepEqual(frame, { type: "req", id: "x", method: "health", params: { a: 1 } }, "the input frame is untouched");
});

test("the ledger flags unknown ids, extra answers, unknown error codes, off-schema frames and accepted invalid params", () => {
  const l = new Ledger();
  l.recordSent(JSON.stringify({ type: "req", id: "a", method: "health" }));
  l.recordSent(JSON.stringify({ type: "req", id: "b", method: "set-heartbeats", params: { enabled: "yes" } }));
  l.recordSent(JSON.stringify({ type: "req", id: "c", method: "status" }));
  l.receive(JSON.stringify({ type: "res", id: "zz", ok: false, error: { code: "INVALID_REQUEST", message: "m" } }));
  l.receive(JSON.stringify({ type: "res", id: "a", ok: false, error: { code: "OOPS", message: "m" } }));
  l.receive(JSON.stringify({ type: "res", id: "a", ok: false, error: { code: "UNAVAILABLE", message: "m" } }));
  l.receive(JSON.stringify({ type: "res", id: "b", ok: true, payload: { ok: true } }));
  l.receive(JSON.stringify({ type: "res", id: "c", ok: true, extra: 1 }));
  l.receive(JSON.stringify({ type: "event", event: "tick", payload: { nope: 1 } }));
  l.receive("not json");
  assert.deepEqual(l.findings.map((f) => f.kind).sort(), [
    "accepted-invalid-params",
    "bad-error-code",
    "duplicate-response",
    "not-json",
    "off-schema-event",
    "off-schema-response",
    "result-off-schema",
    "unknown-id",
  ]);
  assert.deepEqual(l.unanswered(new Set()), ["c"]);
});

test("an id sent twice (a mutated id key) is judged against both frames, in whichever order the answers come", () => {
  const l = new Ledger();
  // chat.abort without params is refused; the other frame under the same id (system-event) succeeds with {ok: true}.
  l.recordSent(JSON.stringify({ type: "req", id: "req", method: "chat.abort" }));
  l.recordSent(JSON.stringify({ type: "req", id: "req", method: "system-event", params: { text: "x" } }));
  l.receive(JSON.stringify({ type: "res", id: "req", ok: true, payload: { ok: true } }));
  l.receive(JSON.stringify({ type: "res", id: "req", ok: false, error: { code: "INVALID_REQUEST", message: "m" } }));
  assert.equal(l.findings.length, 0, JSON.stringify(l.findings));
  // A third answer is one too many; a success that fits neither method is off-schema.
  l.receive(JSON.stringify({ type: "res", id: "req", ok: true, payload: { nope: 1 } }));
  assert.deepEqual(l.findings.map((f) => f.kind).sort(), ["duplicate-response", "result-off-schema"]);
});

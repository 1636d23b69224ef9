// The wire validators the build precompiles (protocol/dist/wire.validate.cjs) cover every method and
// say exactly what ajv compiling the same schema at run time says, errors included.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { Ajv, type ValidateFunction } from "ajv";
import { METHODS, WIRE_AJV_OPTIONS, check, wireSchemas } from "@clawdbot/protocol";

const generated = createRequire(import.meta.url)("../../protocol/dist/wire.validate.cjs") as Record<string, ValidateFunction>;

/** Values every params schema sees: empty, wrong types, extra keys, plausible shapes. */
const SAMPLES: unknown[] = [
  {},
  null,
  "x",
  [],
  { type: "req", id: "1", method: "health" },
  { type: "req", id: "", method: "health", params: {}, extra: 1 },
  { minProtocol: 3, maxProtocol: 3, client: { id: "cli", version: "1", platform: "linux", mode: "cli" }, role: "operator", scopes: ["operator.read"] },
  { minProtocol: "3" },
  { key: "main", sessionKey: "main", message: "hi", idempotencyKey: "k1", limit: 5, nodeId: "n", raw: "{}", baseHash: "h" },
  { limit: -1, idempotencyKey: 5, unknownKey: true },
];

test("every method's params, the request frame and connect have a generated validator", () => {
  const names = wireSchemas().map(([name]) => name);
  for (const method of Object.keys(METHODS)) assert.ok(names.includes(`params:${method}`), method);
  for (const name of names) assert.equal(typeof generated[name], "function", `${name} was generated`);
});

test("generated validators accept, refuse and explain exactly as a run-time compiled schema does", () => {
  const ajv = new Ajv({ ...WIRE_AJV_OPTIONS });
  let refused = 0;
  for (const [name, schema] of wireSchemas()) {
    const compiled = ajv.compile(schema);
    const pre = generated[name]!;
    for (const value of SAMPLES) {
      const ok = compiled(value);
      assert.equal(pre(value), ok, `${name} on ${JSON.stringify(value)}`);
      assert.deepEqual(pre.errors ?? null, compiled.errors ?? null, `${name} errors on ${JSON.stringify(value)}`);
      if (!ok) refused++;
    }
  }
  assert.ok(refused > 0);
});

test("check() phrases the errors of the request frame validator", () => {
  const [, frame] = wireSchemas().find(([name]) => name === "frame:request")!;
  assert.deepEqual(check(frame, { type: "req", id: "1", method: "health" }), { ok: true, value: { type: "req", id: "1", method: "health" } });
  const bad = check(frame, { type: "req", id: "1", method: "health", extra: 1 });
  assert.deepEqual(bad, { ok: false, issues: [{ path: "(root)", message: 'unexpected property "extra"' }] });
});

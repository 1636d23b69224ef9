// Turns the protocol's generated JSON Schemas (protocol/generated/protocol.schema.json) into
// fast-check arbitraries of values that satisfy them, so the fuzzer starts from frames the gateway
// must accept and mutates from there. Covers the keywords the generator emits (see KEYWORDS).
import fc, { type Arbitrary } from "fast-check";

export interface JsonSchema {
  type?: string;
  const?: unknown;
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  patternProperties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  pattern?: string;
}

/** Values some properties should often take so requests reach past "not found" (node ids, sessions). */
export type Hints = Readonly<Record<string, Arbitrary<unknown>>>;

/** Keywords this converter understands; the test checks the generated schema uses no others. */
export const KEYWORDS = new Set([
  "type", "const", "anyOf", "allOf", "properties", "patternProperties", "required", "additionalProperties",
  "items", "minItems", "maxItems", "minLength", "maxLength", "minimum", "maximum", "pattern",
  "description", "title", "default", "examples", "$id", "$comment",
]);

// Sizes stay small here: the mutator makes things big on purpose, valid frames should stay cheap.
const MAX_ITEMS = 4;
const MAX_STRING = 24;

const PLAIN = fc.constantFrom(..."abcxyz-_.:/ 09");
const anyJson: Arbitrary<unknown> = fc.jsonValue({ maxDepth: 3, depthSize: "small" });

function stringArb(s: JsonSchema): Arbitrary<string> {
  const minLength = s.minLength ?? 0;
  const maxLength = Math.max(minLength, Math.min(s.maxLength ?? MAX_STRING, MAX_STRING + minLength));
  if (s.pattern !== undefined) return patternArb(s.pattern, minLength, s.maxLength);
  return fc.oneof(
    { weight: 4, arbitrary: fc.string({ minLength, maxLength, unit: PLAIN }) },
    { weight: 1, arbitrary: fc.string({ minLength, maxLength, unit: "grapheme" }) },
  );
}

/** Strings matching `pattern`; lookaheads fast-check cannot build from are enforced by a filter. */
function patternArb(pattern: string, minLength: number, maxLength: number | undefined): Arbitrary<string> {
  const re = new RegExp(pattern, "u");
  const fits = (v: string): boolean => re.test(v) && v.length >= minLength && (maxLength === undefined || v.length <= maxLength);
  let arb: Arbitrary<string>;
  try {
    arb = fc.stringMatching(re);
  } catch {
    arb = fc.stringMatching(new RegExp(pattern.replace(/\(\?[!=][^)]*\)/g, ""), "u"));
  }
  return arb.filter(fits);
}

function numberArb(s: JsonSchema, integer: boolean): Arbitrary<number> {
  if (integer) {
    const min = s.minimum ?? Number.MIN_SAFE_INTEGER;
    const max = s.maximum ?? Number.MAX_SAFE_INTEGER;
    return fc.oneof(fc.integer({ min: Math.max(min, -1000), max: Math.max(Math.min(max, 1000), Math.max(min, -1000)) }), fc.maxSafeInteger().filter((n) => n >= min && n <= max), fc.constantFrom(min, max));
  }
  return fc.double({ noNaN: true, noDefaultInfinity: true, ...(s.minimum !== undefined ? { min: s.minimum } : {}), ...(s.maximum !== undefined ? { max: s.maximum } : {}) });
}

function objectArb(s: JsonSchema, hints: Hints): Arbitrary<Record<string, unknown>> {
  const props = s.properties ?? {};
  const required = new Set(s.required ?? []);
  const record: Record<string, Arbitrary<unknown>> = {};
  for (const [key, sub] of Object.entries(props)) record[key] = hints[key] !== undefined ? fc.oneof({ weight: 3, arbitrary: hints[key] }, { weight: 1, arbitrary: schemaArbitrary(sub, hints) }) : schemaArbitrary(sub, hints);
  const fixed = fc.record(record, { requiredKeys: [...required].filter((k) => k in props) });
  const patterned = Object.values(s.patternProperties ?? {});
  const open = s.additionalProperties === true || (s.additionalProperties === undefined && s.properties === undefined);
  if (patterned.length === 0 && !open) return fixed;
  const valueArb = patterned.length > 0 ? fc.oneof(...patterned.map((p) => schemaArbitrary(p, hints))) : anyJson;
  const extra = fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !(k in props)), valueArb, { maxKeys: 3 });
  return fc.tuple(fixed, extra).map(([a, b]) => ({ ...b, ...a }));
}

/** An arbitrary of values valid against `schema` (a self-contained generated definition). */
export function schemaArbitrary(schema: JsonSchema, hints: Hints = {}): Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.anyOf) return fc.oneof(...schema.anyOf.map((s) => schemaArbitrary(s, hints)));
  if (schema.allOf) {
    const merged: JsonSchema = { type: "object", properties: {}, required: [], additionalProperties: false };
    for (const part of schema.allOf) {
      Object.assign(merged.properties as object, part.properties);
      merged.required?.push(...(part.required ?? []));
      if (part.additionalProperties === true) merged.additionalProperties = true;
    }
    return objectArb(merged, hints);
  }
  switch (schema.type) {
    case "string":
      return stringArb(schema);
    case "integer":
      return numberArb(schema, true);
    case "number":
      return numberArb(schema, false);
    case "boolean":
      return fc.boolean();
    case "null":
      return fc.constant(null);
    case "array": {
      const minLength = schema.minItems ?? 0;
      const maxLength = Math.max(minLength, Math.min(schema.maxItems ?? MAX_ITEMS, MAX_ITEMS));
      return fc.array(schema.items ? schemaArbitrary(schema.items, hints) : anyJson, { minLength, maxLength });
    }
    case "object":
      return objectArb(schema, hints);
    case undefined:
      return anyJson;
    default:
      throw new Error(`schema type ${schema.type} is not supported by the fuzzer`);
  }
}

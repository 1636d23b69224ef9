// Frames for the fuzzer: valid request frames built from the protocol's own JSON Schemas (every
// method's params, and connect's), then mutated: wrong types, sizes, depth, unicode, duplicate
// and prototype keys, numbers at the edges, truncation, garbage. Deterministic from a seed.
import { ConnectParamsSchema, METHODS, type TSchemaLike } from "./schema-like.js";

/** A small fast seeded PRNG (mulberry32): the same seed replays the same run. */
export class Rng {
  constructor(private state: number) {}
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

const UNICODE = ["\u0000", "\ud800", "\udfff", "\u202e", "\u200b", "\ufeff", "😀", "\u{10ffff}", "é", "\\", '"', "\n", "ﷺ", "𝕏"];
const EDGE_NUMBERS = ["0", "-0", "1e308", "-1e308", "1e309", "5e-324", "9007199254740993", "-9007199254740993", "1.7976931348623157e308", "0.1e-999", "123456789012345678901234567890"];

function str(rng: Rng, min = 0, max = 24): string {
  const len = min + rng.int(Math.max(1, Math.min(max, min + 24) - min + 1));
  let s = "";
  for (let i = 0; i < len; i++) s += rng.chance(0.1) ? rng.pick(UNICODE) : String.fromCharCode(97 + rng.int(26));
  return s.slice(0, Math.max(len, min));
}

/** A value valid (mostly) for `schema`, depth-limited. */
export function valueOf(schema: TSchemaLike | undefined, rng: Rng, depth = 0): unknown {
  if (!schema || depth > 6) return null;
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return rng.pick(schema.enum);
  const alts = schema.anyOf ?? schema.oneOf;
  if (alts) return valueOf(rng.pick(alts), rng, depth + 1);
  switch (schema.type) {
    case "string":
      return str(rng, schema.minLength ?? 0, Math.min(schema.maxLength ?? 24, 64));
    case "integer": {
      const lo = schema.minimum ?? 0;
      const hi = Math.min(schema.maximum ?? lo + 1000, lo + 100000);
      return lo + rng.int(hi - lo + 1);
    }
    case "number":
      return (schema.minimum ?? 0) + rng.next() * 1000;
    case "boolean":
      return rng.chance(0.5);
    case "null":
      return null;
    case "array": {
      const n = (schema.minItems ?? 0) + rng.int(3);
      return Array.from({ length: n }, () => valueOf(schema.items, rng, depth + 1));
    }
    case "object": {
      const out: Record<string, unknown> = {};
      const required = new Set(schema.required ?? []);
      for (const [k, sub] of Object.entries(schema.properties ?? {})) {
        if (required.has(k) || rng.chance(0.5)) out[k] = valueOf(sub, rng, depth + 1);
      }
      return out;
    }
    default:
      return rng.pick([null, 1, "x", true, { a: [1, "b"] }, []]);
  }
}

const METHOD_NAMES = Object.keys(METHODS);

/** A well-formed request frame for a random method (or connect), params from its schema. */
export function validRequest(rng: Rng, id: string, method?: string): Record<string, unknown> {
  const m = method ?? rng.pick(METHOD_NAMES);
  const schema = m === "connect" ? ConnectParamsSchema : METHODS[m]!.params;
  const params = valueOf(schema, rng);
  return { type: "req", id, method: m, ...(params === undefined ? {} : { params }) };
}

/** Replaces one random node of `v` using `f`. */
function mutateNode(v: unknown, rng: Rng, f: (old: unknown) => unknown, depth = 0): unknown {
  if (depth > 8 || v === null || typeof v !== "object" || rng.chance(0.3)) return f(v);
  if (Array.isArray(v)) {
    if (v.length === 0) return f(v);
    const i = rng.int(v.length);
    const copy = [...v];
    copy[i] = mutateNode(copy[i], rng, f, depth + 1);
    return copy;
  }
  const keys = Object.keys(v);
  if (keys.length === 0) return f(v);
  const k = rng.pick(keys);
  return { ...(v as Record<string, unknown>), [k]: mutateNode((v as Record<string, unknown>)[k], rng, f, depth + 1) };
}

function otherType(rng: Rng): unknown {
  return rng.pick<unknown>([null, 0, -1, 1.5, "", "x", true, false, [], {}, [null], { "": null }]);
}

function nested(rng: Rng, levels: number): string {
  const open = rng.chance(0.5) ? "[" : '{"a":';
  const close = open === "[" ? "]" : "}";
  return open.repeat(levels) + "1" + close.repeat(levels);
}

/** The names of the mutations, for the report. */
export const MUTATIONS = ["valid", "type", "size", "depth", "unicode", "duplicate-key", "proto-key", "edge-number", "truncate", "drop-field", "extra-field", "garbage", "binary"] as const;
export type Mutation = (typeof MUTATIONS)[number];

export interface FuzzFrame {
  mutation: Mutation;
  data: string | Buffer;
}

/** One fuzzed frame (text, or binary for the binary mutation); sizes stay below `maxBytes` plus a margin. */
export function fuzzFrame(rng: Rng, id: string, maxBytes: number, method?: string): FuzzFrame {
  const base = validRequest(rng, id, method);
  const mutation = rng.pick(MUTATIONS);
  const text = (v: unknown) => JSON.stringify(v);
  switch (mutation) {
    case "valid":
      return { mutation, data: text(base) };
    case "type":
      return { mutation, data: text(mutateNode(base, rng, () => otherType(rng))) };
    case "size": {
      // Around the limit: just below, at, just above.
      const n = Math.max(0, maxBytes - 200 + rng.pick([-1000, 0, 150, 300, 5000]));
      return { mutation, data: text(mutateNode(base, rng, () => (rng.chance(0.5) ? "y".repeat(n) : Array.from({ length: Math.floor(n / 4) }, () => 1)))) };
    }
    case "depth": {
      const raw = text(base);
      return { mutation, data: raw.replace(/}$/, `,"deep":${nested(rng, rng.pick([20, 64, 65, 200, 2000]))}}`) };
    }
    case "unicode":
      return { mutation, data: text(mutateNode(base, rng, () => Array.from({ length: 1 + rng.int(8) }, () => rng.pick(UNICODE)).join(""))) };
    case "duplicate-key": {
      const raw = text(base);
      const key = rng.pick(["type", "id", "method", "params"]);
      return { mutation, data: `{"${key}":${text(otherType(rng))},${raw.slice(1)}` };
    }
    case "proto-key": {
      const raw = text(base);
      const key = rng.pick(["__proto__", "constructor", "prototype"]);
      return { mutation, data: raw.replace(/}$/, `,"params":{"${key}":{"polluted":true}}}`) };
    }
    case "edge-number": {
      const raw = text(mutateNode(base, rng, () => "__EDGE__"));
      return { mutation, data: raw.replace('"__EDGE__"', rng.pick(EDGE_NUMBERS)) };
    }
    case "truncate": {
      const raw = text(base);
      return { mutation, data: raw.slice(0, rng.int(raw.length)) };
    }
    case "drop-field": {
      const copy = { ...base };
      delete copy[rng.pick(["type", "id", "method", "params"])];
      return { mutation, data: text(copy) };
    }
    case "extra-field":
      return { mutation, data: text({ ...base, [str(rng, 1, 8)]: otherType(rng) }) };
    case "garbage":
      return { mutation, data: rng.pick(["", " ", "null", "[]", "{}", "1", '"req"', "{{", "\u0000", "true", "[".repeat(100)]) };
    case "binary":
      return { mutation, data: Buffer.from(text(base)) };
  }
}

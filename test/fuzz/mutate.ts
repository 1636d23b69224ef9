// Mutations of a JSON frame, and a serializer that can write what JSON.stringify cannot (duplicate
// keys, number literals past double range, invalid UTF-8). A mutation plan is plain data drawn by
// fast-check, so a run is reproducible from its seed.
import fc, { type Arbitrary } from "fast-check";

/** Written verbatim into the frame text (number literals like 1e400, -0, 2^64). */
export class Raw {
  constructor(readonly text: string) {}
}

/** An object written with these entries in this order, duplicates included. */
export class Entries {
  constructor(readonly entries: readonly (readonly [string, unknown])[]) {}
}

/** Serializes a frame tree that may contain Raw and Entries nodes. */
export function toText(v: unknown): string {
  if (v instanceof Raw) return v.text;
  if (v instanceof Entries) return `{${v.entries.map(([k, x]) => `${JSON.stringify(k)}:${toText(x)}`).join(",")}}`;
  if (Array.isArray(v)) return `[${v.map(toText).join(",")}]`;
  if (v !== null && typeof v === "object") return toText(new Entries(Object.entries(v)));
  if (v === undefined) return "null";
  return JSON.stringify(v);
}

export const EDGE_NUMBERS = [
  "0", "-0", "1e309", "-1e309", "1e-400", "5e-324", "1.7976931348623157e308", "9007199254740991", "9007199254740993",
  "-9007199254740993", "2147483647", "2147483648", "4294967296", "18446744073709551616", "-9223372036854775808",
  "0.5", "-1", "1.0", "1E3", "123456789012345678901234567890", "0.1e1",
];

export const NASTY_STRINGS = [
  "", " ", "\u0000", "\ud800", "\udfff", "\ud83d", "\ufeff", "\u202e\u202dabc", "\u2028\u2029", "e\u0301\u0301\u0301",
  "😀".repeat(50), "\uffff\ufffe", "null", "true", "0", "__proto__", "constructor", "prototype", "toString",
  "hasOwnProperty", "../../../etc/passwd", "..", "/", "\\\\server\\share", "%00", "${jndi:x}", "<script>alert(1)</script>",
  "operator.admin", "node", "connect", "req", "Ω".repeat(1000), "a".repeat(4096),
];

const WEIRD_VALUES: unknown[] = [null, true, false, 0, -1, "", "x", [], {}, [null], { "": null }, [[[]]], new Raw("1e309"), new Raw("-0")];

/** Keys a server must never treat as its own (prototype keys, frame keys at the wrong level). */
export const ODD_KEYS = ["__proto__", "constructor", "prototype", "type", "id", "method", "params", "", "\u0000", "ok", "error"];

export type Mutation =
  | { kind: "typeSwap"; at: number; value: unknown }
  | { kind: "number"; at: number; literal: string }
  | { kind: "size"; at: number; length: number; shape: "string" | "array" | "object" }
  | { kind: "depth"; at: number; levels: number; array: boolean }
  | { kind: "unicode"; at: number; text: string }
  | { kind: "duplicate"; at: number; value: unknown; last: boolean }
  | { kind: "drop"; at: number }
  | { kind: "extraKey"; at: number; key: string; value: unknown }
  | { kind: "truncate"; fraction: number }
  | { kind: "badUtf8"; at: number }
  | { kind: "garbage"; text: string }
  | { kind: "binary" };

/** Sizes: mostly small, sometimes past the pre-handshake (64 KiB) and operator (512 KiB) limits. */
const sizeArb = fc.oneof(
  { weight: 40, arbitrary: fc.integer({ min: 100, max: 5000 }) },
  { weight: 4, arbitrary: fc.constantFrom(65_000, 65_537, 70_000) },
  { weight: 1, arbitrary: fc.constantFrom(524_000, 524_289, 600_000) },
);

export const mutationArb: Arbitrary<Mutation> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant("typeSwap" as const), at: fc.nat(), value: fc.oneof(fc.constantFrom(...WEIRD_VALUES), fc.jsonValue({ maxDepth: 2 })) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("number" as const), at: fc.nat(), literal: fc.constantFrom(...EDGE_NUMBERS) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("size" as const), at: fc.nat(), length: sizeArb, shape: fc.constantFrom("string" as const, "array" as const, "object" as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("depth" as const), at: fc.nat(), levels: fc.oneof(fc.integer({ min: 28, max: 36 }), fc.constantFrom(100, 5000)), array: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("unicode" as const), at: fc.nat(), text: fc.oneof(fc.constantFrom(...NASTY_STRINGS), fc.string({ unit: "binary", maxLength: 40 })) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("duplicate" as const), at: fc.nat(), value: fc.constantFrom(...WEIRD_VALUES, "connect", "health", "req"), last: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("drop" as const), at: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("extraKey" as const), at: fc.nat(), key: fc.oneof(fc.constantFrom(...ODD_KEYS), fc.string({ maxLength: 8 })), value: fc.constantFrom(...WEIRD_VALUES) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("truncate" as const), fraction: fc.double({ min: 0, max: 1, noNaN: true }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("binary" as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("garbage" as const), text: fc.oneof(fc.constantFrom("", "null", "[]", "{", "}", "\"req\"", "0", "{}".repeat(100), "[".repeat(100000)), fc.string({ maxLength: 60 })) }) },
);

/** A private copy of a drawn value (drawn constants are shared between frames). */
function fresh(v: unknown): unknown {
  if (v instanceof Raw || v instanceof Entries || v === null || typeof v !== "object") return v;
  return structuredClone(v);
}

/** Where in a tree a mutation lands: the holder of the node and how to reach it. */
interface Slot {
  get(): unknown;
  set(v: unknown): void;
  /** The object holding this node by key (for drop / duplicate), when there is one. */
  parent?: Record<string, unknown>;
  key?: string;
}

function slots(root: { v: unknown }): Slot[] {
  const out: Slot[] = [{ get: () => root.v, set: (v) => (root.v = v) }];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) {
      v.forEach((item, i) => {
        out.push({ get: () => v[i], set: (x) => (v[i] = x) });
        walk(item);
      });
    } else if (v !== null && typeof v === "object" && !(v instanceof Raw) && !(v instanceof Entries)) {
      const o = v as Record<string, unknown>;
      for (const k of Object.keys(o)) {
        out.push({ get: () => o[k], set: (x) => (o[k] = x), parent: o, key: k });
        walk(o[k]);
      }
    }
  };
  walk(root.v);
  return out;
}

function objects(all: Slot[]): Record<string, unknown>[] {
  return all.map((s) => s.get()).filter((v): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Raw) && !(v instanceof Entries));
}

function big(length: number, shape: "string" | "array" | "object"): unknown {
  if (shape === "string") return "x".repeat(length);
  if (shape === "array") return new Raw(`[${"0,".repeat(Math.max(0, Math.floor(length / 2) - 1))}0]`);
  const n = Math.max(1, Math.floor(length / 8));
  return new Raw(`{${Array.from({ length: n }, (_, i) => `"k${i}":1`).join(",")}}`);
}

function nest(levels: number, array: boolean, inner: unknown): unknown {
  const open = array ? "[" : '{"a":';
  const close = array ? "]" : "}";
  return new Raw(`${open.repeat(levels)}${toText(inner)}${close.repeat(levels)}`);
}

const BAD_UTF8 = "\u0000BADUTF8\u0000";

/** A frame sent with the binary opcode (the protocol is text only: dropped, or 1008 before connect). */
export class Binary {
  constructor(readonly bytes: Buffer) {}
}

/** The bytes of one frame: text, raw bytes sent as text when a mutation needs invalid UTF-8, or a binary frame. */
export type FrameBytes = string | Buffer | Binary;

/** Every mutation kind, for coverage counts. */
export const MUTATION_KINDS = ["typeSwap", "number", "size", "depth", "unicode", "duplicate", "drop", "extraKey", "truncate", "badUtf8", "garbage", "binary"] as const satisfies readonly Mutation["kind"][];

/** Applies mutations in order to a deep copy of `frame` and serializes the result. */
export function applyMutations(frame: unknown, mutations: readonly Mutation[]): FrameBytes {
  const root = { v: structuredClone(frame) };
  let truncate: number | undefined;
  let garbage: string | undefined;
  let badUtf8 = false;
  let binary = false;
  for (const m of mutations) {
    const all = slots(root);
    const slot = "at" in m ? all[m.at % all.length]! : all[0]!;
    switch (m.kind) {
      case "typeSwap":
        slot.set(fresh(m.value));
        break;
      case "number":
        slot.set(new Raw(m.literal));
        break;
      case "size":
        slot.set(big(m.length, m.shape));
        break;
      case "depth":
        slot.set(nest(m.levels, m.array, slot.get() ?? null));
        break;
      case "unicode":
        slot.set(m.text);
        break;
      case "badUtf8":
        slot.set(BAD_UTF8);
        badUtf8 = true;
        break;
      case "drop":
        if (slot.parent && slot.key !== undefined) delete slot.parent[slot.key];
        break;
      case "extraKey": {
        const objs = objects(all);
        const target = objs[m.at % Math.max(1, objs.length)];
        if (target) Object.defineProperty(target, m.key, { value: fresh(m.value), enumerable: true, writable: true, configurable: true });
        break;
      }
      case "duplicate": {
        if (!slot.parent || slot.key === undefined) break;
        const entries: (readonly [string, unknown])[] = Object.entries(slot.parent);
        const i = entries.findIndex(([k]) => k === slot.key);
        const dup = [slot.key, fresh(m.value)] as const;
        entries.splice(m.last ? entries.length : i, 0, dup);
        const replacement = new Entries(entries);
        // Swap the object for its entry list wherever it sits.
        const holder = all.find((s) => s.get() === slot.parent);
        holder?.set(replacement);
        break;
      }
      case "truncate":
        truncate = m.fraction;
        break;
      case "garbage":
        garbage = m.text;
        break;
      case "binary":
        binary = true;
        break;
    }
  }
  let text = garbage ?? toText(root.v);
  if (truncate !== undefined) text = text.slice(0, Math.floor(text.length * truncate));
  let bytes: string | Buffer = text;
  if (badUtf8 && text.includes(JSON.stringify(BAD_UTF8).slice(1, -1))) {
    const [before, after] = splitOnce(text, JSON.stringify(BAD_UTF8).slice(1, -1));
    bytes = Buffer.concat([Buffer.from(before), Buffer.from([0xc3, 0x28, 0xff, 0xed, 0xa0, 0x80]), Buffer.from(after)]);
  }
  return binary ? new Binary(Buffer.from(bytes)) : bytes;
}

function splitOnce(s: string, sep: string): [string, string] {
  const i = s.indexOf(sep);
  return [s.slice(0, i), s.slice(i + sep.length)];
}

/** Bytes that are not UTF-8: the gateway closes the socket (1007), so sessions use it last. */
export const badUtf8Arb: Arbitrary<Mutation> = fc.record({ kind: fc.constant("badUtf8" as const), at: fc.nat() });

/** Zero to three mutations: about one frame in five goes out valid. */
export const mutationsArb: Arbitrary<Mutation[]> = fc.oneof(
  { weight: 1, arbitrary: fc.constant<Mutation[]>([]) },
  { weight: 4, arbitrary: fc.array(mutationArb, { minLength: 1, maxLength: 3 }) },
);

// JSON Schema (as generated from the TypeBox declarations) → Swift Codable models.
// Objects become structs, string unions enums, unions of objects tagged by a constant property
// enums with associated values (and an `unknown` case), anything open `AnyCodable`.
import { camel, escapeKeyword, isPlainIdentifier, pascal, singular, swiftString } from "./naming.js";
import { ANY_CODABLE } from "./runtime.js";

type Schema = Record<string, unknown>;

export interface SwiftFile {
  /** First lines of the file (the do-not-edit notice). */
  header: string[];
  /** Definitions in output order: key as in the JSON Schema document, and the schema. */
  definitions: Record<string, Schema>;
  /** Swift type name of a top-level definition key. */
  nameOf: (key: string) => string;
  /** One-line doc comment of a top-level definition, if any. */
  docOf?: (key: string) => string | undefined;
  /** `public let NAME = value` constants. */
  constants: Array<{ name: string; value: number; doc: string }>;
  /** Emit the AnyCodable type here (exactly one file of a module does). */
  withRuntime: boolean;
}

/** Renders one Swift source file. Deterministic: the same document gives the same bytes. */
export function emitSwift(file: SwiftFile): string {
  const e = new Emitter();
  const keys = Object.keys(file.definitions);
  // Top-level names first, so a nested copy of a definition (PresenceEntry inside Snapshot) reuses it.
  for (const key of keys) e.reserve(file.nameOf(key), file.definitions[key]!);
  for (const key of keys) e.top(file.nameOf(key), file.definitions[key]!, file.docOf?.(key));
  const out = [...file.header, "", "import Foundation", ""];
  for (const c of file.constants) out.push(`/// ${c.doc}`, `public let ${c.name} = ${c.value}`, "");
  if (file.withRuntime) out.push(...ANY_CODABLE, "");
  for (const block of e.blocks) if (block.length > 0) out.push(...block, "");
  return out.join("\n").replace(/\n+$/, "\n");
}

interface SwiftType {
  swift: string;
  nullable: boolean;
}

const ANY: SwiftType = { swift: "AnyCodable", nullable: false };

class Emitter {
  readonly blocks: string[][] = [];
  private readonly byShape = new Map<string, string>();
  private readonly taken = new Set<string>(["AnyCodable"]);

  /** Claims a top-level name for its shape (objects, enums and tagged unions only). */
  reserve(name: string, schema: Schema): void {
    this.taken.add(name);
    if (namedKind(schema) !== undefined && !this.byShape.has(shapeKey(schema))) this.byShape.set(shapeKey(schema), name);
  }

  /** Declares a top-level definition: its own type, or an alias of a list, map, scalar or optional. */
  top(name: string, schema: Schema, doc: string | undefined): void {
    const docLines = doc ? [`/// ${doc}`] : [];
    const kind = namedKind(schema);
    if (kind !== undefined) {
      this.declare(name, schema, kind, docLines);
      return;
    }
    const t = this.typeOf(schema, name);
    this.blocks.push([...docLines, `public typealias ${name} = ${t.swift}${t.nullable ? "?" : ""}`]);
  }

  /** The Swift type of a schema; named types are declared on first use under `hint`. */
  typeOf(schema: Schema, hint: string): SwiftType {
    const members = unionMembers(schema);
    if (members !== undefined) {
      const rest = members.filter((m) => m["type"] !== "null");
      const isNullable = rest.length < members.length;
      if (rest.length === 1) return { swift: this.typeOf(rest[0]!, hint).swift, nullable: isNullable };
      const inner = { ...schema, anyOf: rest };
      const kind = namedKind(inner);
      if (kind !== undefined) return { swift: this.named(inner, hint, kind), nullable: isNullable };
      return { swift: sameScalar(rest) ?? "AnyCodable", nullable: isNullable };
    }
    if (schema["const"] !== undefined) return { swift: scalarOfValue(schema["const"]), nullable: false };
    switch (schema["type"]) {
      case "string":
        return Array.isArray(schema["enum"]) ? { swift: this.named(schema, hint, "enum"), nullable: false } : { swift: "String", nullable: false };
      case "integer":
        return { swift: "Int", nullable: false };
      case "number":
        return { swift: "Double", nullable: false };
      case "boolean":
        return { swift: "Bool", nullable: false };
      case "array": {
        const items = schema["items"];
        const el = isSchema(items) ? this.typeOf(items, hint) : ANY;
        return { swift: `[${el.swift}${el.nullable ? "?" : ""}]`, nullable: false };
      }
      case "object":
        return { swift: this.objectType(schema, hint), nullable: false };
      default:
        return ANY;
    }
  }

  private objectType(schema: Schema, hint: string): string {
    if (namedKind(schema) === "struct") return this.named(schema, hint, "struct");
    const values = valueSchema(schema);
    if (values === undefined) return "[String: AnyCodable]";
    const v = this.typeOf(values, hint);
    return `[String: ${v.swift}${v.nullable ? "?" : ""}]`;
  }

  /** The name of a named type with this shape, declaring it under a fresh name if it is new. */
  private named(schema: Schema, hint: string, kind: NamedKind): string {
    const key = shapeKey(schema);
    const known = this.byShape.get(key);
    if (known !== undefined) return known;
    let name = hint;
    for (let i = 2; this.taken.has(name); i++) name = `${hint}${i}`;
    this.taken.add(name);
    this.byShape.set(key, name);
    this.declare(name, schema, kind, []);
    return name;
  }

  private declare(name: string, schema: Schema, kind: NamedKind, doc: string[]): void {
    // The slot is taken before members are typed, so a type precedes the types it introduces.
    const slot: string[] = [];
    this.blocks.push(slot);
    const lines = kind === "struct" ? this.struct(name, schema) : kind === "enum" ? enumLines(name, enumValues(schema)) : this.union(name, schema);
    slot.push(...doc, ...lines);
  }

  private struct(name: string, schema: Schema): string[] {
    const props = (schema["properties"] ?? {}) as Record<string, Schema>;
    const required = new Set((schema["required"] ?? []) as string[]);
    const fields = Object.entries(props).map(([key, prop]) => {
      const t = this.typeOf(prop, name + (isCollection(prop) ? singular(key) : pascal(key)));
      const optional = !required.has(key) || t.nullable;
      const id = isPlainIdentifier(key) ? key : camel(key);
      const constant = typeof prop["const"] === "string" ? prop["const"] : undefined;
      return { key, id, type: t.swift + (optional ? "?" : ""), optional, constant };
    });
    const lines = [`public struct ${name}: Codable, Sendable, Equatable {`];
    for (const f of fields) lines.push(`    public let ${escapeKeyword(f.id)}: ${f.type}`);
    if (fields.length > 0) lines.push("");
    const args = fields.map((f) => {
      const def = f.optional ? " = nil" : f.constant !== undefined ? ` = ${swiftString(f.constant)}` : "";
      return `${escapeKeyword(f.id)}: ${f.type}${def}`;
    });
    lines.push(`    public init(${args.join(", ")}) {`);
    for (const f of fields) lines.push(`        self.${f.id} = ${escapeKeyword(f.id)}`);
    lines.push("    }");
    if (fields.some((f) => f.id !== f.key)) {
      lines.push("", "    private enum CodingKeys: String, CodingKey {");
      for (const f of fields) lines.push(f.id === f.key ? `        case ${escapeKeyword(f.id)}` : `        case ${escapeKeyword(f.id)} = ${swiftString(f.key)}`);
      lines.push("    }");
    }
    lines.push("}");
    return lines;
  }

  private union(name: string, schema: Schema): string[] {
    const members = unionMembers(schema) ?? [];
    const tagKey = discriminator(members)!;
    const tagId = isPlainIdentifier(tagKey) ? tagKey : camel(tagKey);
    const cases = members.map((m) => {
      const tag = ((m["properties"] as Record<string, Schema>)[tagKey]!["const"]) as string;
      return { tag, id: camel(tag), type: this.named(m, name + pascal(tag), "struct") };
    });
    const lines = [`public enum ${name}: Codable, Sendable, Equatable {`];
    for (const c of cases) lines.push(`    case ${escapeKeyword(c.id)}(${c.type})`);
    lines.push(`    /// A \`${tagKey}\` this version does not know; kept whole so it can be logged or passed on.`);
    lines.push(`    case unknown(${tagId}: String, raw: [String: AnyCodable])`);
    lines.push("", "    private enum TagKey: String, CodingKey {", `        ${tagId === tagKey ? `case ${escapeKeyword(tagId)}` : `case ${escapeKeyword(tagId)} = ${swiftString(tagKey)}`}`, "    }", "");
    lines.push("    public init(from decoder: Decoder) throws {");
    lines.push("        let container = try decoder.container(keyedBy: TagKey.self)");
    lines.push(`        let tag = try container.decode(String.self, forKey: .${tagId})`);
    lines.push("        switch tag {");
    for (const c of cases) lines.push(`        case ${swiftString(c.tag)}: self = .${c.id}(try ${c.type}(from: decoder))`);
    lines.push(`        default: self = .unknown(${tagId}: tag, raw: try [String: AnyCodable](from: decoder))`);
    lines.push("        }", "    }", "");
    lines.push("    public func encode(to encoder: Encoder) throws {");
    lines.push("        switch self {");
    for (const c of cases) lines.push(`        case .${c.id}(let value): try value.encode(to: encoder)`);
    lines.push("        case .unknown(_, let raw): try raw.encode(to: encoder)");
    lines.push("        }", "    }", "}");
    return lines;
  }
}

type NamedKind = "struct" | "enum" | "union";

/** Which named Swift type a schema becomes, if any. */
function namedKind(schema: Schema): NamedKind | undefined {
  const members = unionMembers(schema);
  if (members !== undefined) {
    const rest = members.filter((m) => m["type"] !== "null");
    if (rest.length !== members.length) return undefined;
    if (rest.length > 1 && rest.every((m) => typeof m["const"] === "string")) return "enum";
    if (rest.length > 1 && discriminator(rest) !== undefined) return "union";
    return undefined;
  }
  if (schema["type"] === "string" && Array.isArray(schema["enum"])) return "enum";
  if (schema["type"] !== "object") return undefined;
  const props = schema["properties"];
  const hasProps = isSchema(props) && Object.keys(props).length > 0;
  return hasProps || (isSchema(props) && schema["additionalProperties"] === false) ? "struct" : undefined;
}

/** The members of an anyOf/oneOf, nested unions flattened; undefined for other schemas. */
function unionMembers(schema: Schema): Schema[] | undefined {
  const list = schema["anyOf"] ?? schema["oneOf"];
  if (!Array.isArray(list)) return undefined;
  return (list as Schema[]).flatMap((m) => unionMembers(m) ?? [m]);
}

/** A property every member fixes to a different string constant (`type` of frames and messages). */
function discriminator(members: Schema[]): string | undefined {
  if (!members.every((m) => m["type"] === "object" && isSchema(m["properties"]))) return undefined;
  const first = members[0]!["properties"] as Record<string, Schema>;
  for (const key of Object.keys(first)) {
    const tags = members.map((m) => ((m["properties"] as Record<string, Schema>)[key] ?? {})["const"]);
    const required = members.every((m) => ((m["required"] ?? []) as string[]).includes(key));
    if (required && tags.every((t) => typeof t === "string") && new Set(tags).size === tags.length) return key;
  }
  return undefined;
}

function enumValues(schema: Schema): string[] {
  if (Array.isArray(schema["enum"])) return schema["enum"] as string[];
  return (unionMembers(schema) ?? []).map((m) => m["const"] as string);
}

function enumLines(name: string, values: string[]): string[] {
  const lines = [`public enum ${name}: String, Codable, Sendable, CaseIterable {`];
  const used = new Set<string>();
  for (const v of values) {
    let id = camel(v);
    for (let i = 2; used.has(id); i++) id = `${camel(v)}${i}`;
    used.add(id);
    lines.push(id === v ? `    case ${escapeKeyword(id)}` : `    case ${escapeKeyword(id)} = ${swiftString(v)}`);
  }
  lines.push("}");
  return lines;
}

/** The value schema of a map: patternProperties' single entry or an additionalProperties schema. */
function valueSchema(schema: Schema): Schema | undefined {
  const pattern = schema["patternProperties"];
  if (isSchema(pattern)) {
    const values = Object.values(pattern).filter(isSchema);
    return values.length === 1 ? values[0] : undefined;
  }
  const extra = schema["additionalProperties"];
  return isSchema(extra) ? extra : undefined;
}

/** A union of plain scalars of one kind (`string | "x"`) is that scalar. */
function sameScalar(members: Schema[]): string | undefined {
  const kinds = new Set(members.map((m) => (m["const"] !== undefined ? scalarOfValue(m["const"]) : scalarOfType(m["type"]))));
  const [only] = [...kinds];
  return kinds.size === 1 && only !== undefined && only !== "AnyCodable" ? only : undefined;
}

function scalarOfType(type: unknown): string {
  return type === "string" ? "String" : type === "integer" ? "Int" : type === "number" ? "Double" : type === "boolean" ? "Bool" : "AnyCodable";
}

function scalarOfValue(v: unknown): string {
  if (typeof v === "string") return "String";
  if (typeof v === "boolean") return "Bool";
  if (typeof v === "number") return Number.isInteger(v) ? "Int" : "Double";
  return "AnyCodable";
}

/** Lists and maps: their element type is named after the singular of the property. */
function isCollection(schema: Schema): boolean {
  return schema["type"] === "array" || (schema["type"] === "object" && namedKind(schema) === undefined);
}

function isSchema(v: unknown): v is Schema {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Shape identity of a schema: its JSON with sorted keys, documentation left out. */
function shapeKey(schema: unknown): string {
  if (Array.isArray(schema)) return `[${schema.map(shapeKey).join(",")}]`;
  if (!isSchema(schema)) return JSON.stringify(schema);
  const keys = Object.keys(schema).filter((k) => k !== "description" && k !== "$comment").sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${shapeKey(schema[k])}`).join(",")}}`;
}

// The settings form's model, read from config.schema: one field per key the form can edit (by its
// dotted path), the text an input shows for a stored value, and the merge patch a set of edits makes.

import type { Result } from "@clawdbot/protocol/browser";

type Hint = Result<"config.schema">["uiHints"][string];

/** The part of JSON Schema that config.schema uses. */
interface SchemaNode {
  type?: string;
  description?: string;
  properties?: Record<string, SchemaNode>;
  patternProperties?: Record<string, SchemaNode>;
  anyOf?: SchemaNode[];
  const?: unknown;
  items?: SchemaNode | SchemaNode[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
}

export type FieldKind = "text" | "secret" | "integer" | "number" | "boolean" | "choice" | "list" | "elsewhere";

/** One key of clawdbot.json as the form shows it. */
export interface Field {
  path: string;
  kind: FieldKind;
  label: string;
  help: string | undefined;
  /** The values a `choice` offers. */
  choices: string[];
  /** What a `list` holds, one per line. */
  itemKind: "string" | "integer" | "number";
  min: number | undefined;
  max: number | undefined;
  restart: boolean;
  advanced: boolean;
}

/** An object of the config: its own keys, then its nested objects. */
export interface Section {
  path: string;
  label: string;
  help: string | undefined;
  fields: Field[];
  sections: Section[];
}

/** The form's sections, one per top-level key, in the schema's order. */
export function sectionsOf(schema: Record<string, unknown>, hints: Record<string, Hint>): Section[] {
  return sectionOf(schema as SchemaNode, [], hints).sections;
}

/** `advanced`: an enclosing object is folded away, so its keys are too. */
function sectionOf(node: SchemaNode, path: string[], hints: Record<string, Hint>, advanced = false): Section {
  const dotted = path.join(".");
  const section: Section = { path: dotted, label: hints[dotted]?.label ?? "Settings", help: hints[dotted]?.help, fields: [], sections: [] };
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    if (key === "$schema") continue;
    const p = [...path, key].join(".");
    const folded = advanced || hints[p]?.advanced === true;
    if (child.type === "object" && child.properties) section.sections.push(sectionOf(child, [...path, key], hints, folded));
    else section.fields.push(fieldOf(child, p, hints[p], folded));
  }
  return section;
}

function fieldOf(node: SchemaNode, path: string, hint: Hint | undefined, advanced: boolean): Field {
  const base = {
    path,
    label: hint?.label ?? path,
    help: hint?.help ?? node.description,
    choices: [] as string[],
    itemKind: "string" as const,
    min: node.minimum,
    max: node.maximum,
    restart: hint?.restartRequired === true,
    advanced,
  };
  const choices = node.anyOf?.map((a) => a.const);
  if (choices && choices.length > 0 && choices.every((c) => typeof c === "string")) return { ...base, kind: "choice", choices: choices as string[] };
  if (node.type === "string") return { ...base, kind: hint?.sensitive ? "secret" : "text" };
  if (node.type === "integer" || node.type === "number" || node.type === "boolean") return { ...base, kind: node.type };
  const items = node.items;
  if (node.type === "array" && items && !Array.isArray(items) && (items.type === "string" || items.type === "integer" || items.type === "number")) {
    return { ...base, kind: "list", itemKind: items.type };
  }
  // Maps of accounts or groups, tuples: the JSON5 editor edits those.
  return { ...base, kind: "elsewhere" };
}

/** Every field of a section and of its nested sections. */
export function allFields(s: Section): Field[] {
  return [...s.fields, ...s.sections.flatMap(allFields)];
}

/** The value at a dotted path of a parsed config. */
export function valueAt(obj: unknown, path: string): unknown {
  let v = obj;
  for (const key of path.split(".")) {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

/** The text an input shows for a stored value ("" when the key is not set; secrets never). */
export function inputText(field: Field, value: unknown): string {
  if (value === undefined || value === null || field.kind === "secret") return "";
  if (Array.isArray(value)) return value.map(String).join("\n");
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/**
 * The value an input's text stands for in a merge patch: null removes the key (the default
 * applies), `undefined` means no change. Text that is not a number is sent as it is, so the
 * gateway names the key it is wrong for.
 */
export function patchValue(field: Field, text: string): unknown {
  const t = field.kind === "text" || field.kind === "secret" ? text : text.trim();
  if (t === "") return field.kind === "secret" ? undefined : null;
  switch (field.kind) {
    case "integer":
    case "number":
      return numberOrText(t);
    case "boolean":
      return t === "true";
    case "list": {
      const items = t.split("\n").map((l) => l.trim()).filter((l) => l !== "");
      if (items.length === 0) return null;
      return field.itemKind === "string" ? items : items.map(numberOrText);
    }
    default:
      return t;
  }
}

function numberOrText(t: string): number | string {
  const n = Number(t);
  return Number.isFinite(n) ? n : t;
}

/** A JSON merge patch of the edits (dotted path → value; secrets left empty are not sent). */
export function mergePatch(edits: ReadonlyMap<string, unknown>): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const [path, value] of edits) {
    if (value === undefined) continue;
    const keys = path.split(".");
    const last = keys.pop()!;
    let at = patch;
    for (const k of keys) at = (at[k] ??= {}) as Record<string, unknown>;
    at[last] = value;
  }
  return patch;
}

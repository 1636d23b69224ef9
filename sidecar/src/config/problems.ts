import { Ajv, type ErrorObject } from "ajv";
import type { TSchema } from "@sinclair/typebox";
import { nearest } from "./nearest.js";

// Every problem at once (allErrors), so one edit of the file fixes them all.
const ajv = new Ajv({ strict: true, allErrors: true, verbose: true, coerceTypes: false, useDefaults: false });
const compiled = new WeakMap<TSchema, ReturnType<Ajv["compile"]>>();

/** `/gateway/port` → `gateway.port`. */
export function keyName(instancePath: string): string {
  return instancePath === "" ? "(top level)" : instancePath.slice(1).replace(/\//g, ".");
}

/**
 * Every way `value` breaks `schema`, each phrased for a person editing clawdbot.json: the key, what
 * is allowed (an enum's values, a number's range) and what was found.
 */
export function configProblems(schema: TSchema, value: unknown): string[] {
  let validate = compiled.get(schema);
  if (!validate) compiled.set(schema, (validate = ajv.compile(schema)));
  if (validate(value)) return [];
  const errors = validate.errors ?? [];
  const enums = enumValues(errors);
  const out: string[] = [];
  for (const e of errors) {
    const text = describe(e, enums, schema);
    if (text !== undefined && !out.includes(text)) out.push(text);
  }
  return out;
}

/** Allowed literals per union (a union of Type.Literal reports one `const` error per branch). */
function enumValues(errors: readonly ErrorObject[]): Map<string, unknown[]> {
  const byUnion = new Map<string, unknown[]>();
  for (const e of errors) {
    if (e.keyword !== "const") continue;
    const union = e.schemaPath.replace(/\/anyOf\/\d+\/const$/, "");
    const list = byUnion.get(union) ?? [];
    list.push((e.params as { allowedValue: unknown }).allowedValue);
    byUnion.set(union, list);
  }
  return byUnion;
}

function describe(e: ErrorObject, enums: Map<string, unknown[]>, schema: TSchema): string | undefined {
  const key = keyName(e.instancePath);
  const got = ` (got ${JSON.stringify(e.data)?.slice(0, 60) ?? "nothing"})`;
  switch (e.keyword) {
    case "const":
      return undefined; // folded into the union's anyOf error
    case "anyOf": {
      const allowed = enums.get(e.schemaPath.replace(/\/anyOf$/, ""));
      return allowed ? `${key} must be one of ${allowed.join(", ")}${got}` : `${key} has the wrong form${got}`;
    }
    case "additionalProperties": {
      const extra = (e.params as { additionalProperty: string }).additionalProperty;
      const full = e.instancePath === "" ? extra : `${key}.${extra}`;
      const near = nearest(extra, knownKeys(schema, e.instancePath));
      return `${full} is not a setting${e.instancePath === "" ? "" : ` of ${key}`}${near ? ` (did you mean ${near}?)` : ""}`;
    }
    case "required":
      return `${key} needs ${(e.params as { missingProperty: string }).missingProperty}`;
    case "type":
      return `${key} must be ${article((e.params as { type: string }).type)}${got}`;
    case "minimum":
    case "maximum":
      return `${key} must be ${e.keyword === "minimum" ? "at least" : "at most"} ${(e.params as { limit: number }).limit}${got}`;
    case "minLength":
      return `${key} must be at least ${(e.params as { limit: number }).limit} characters long`;
    case "minItems":
      return `${key} needs at least ${(e.params as { limit: number }).limit} entr${(e.params as { limit: number }).limit === 1 ? "y" : "ies"}`;
    default:
      return `${key} ${e.message ?? "is invalid"}${got}`;
  }
}

function article(type: string): string {
  if (type === "integer") return "a whole number";
  if (type === "object") return "an object";
  if (type === "array") return "a list";
  return `a ${type}`;
}

/** Property names the schema allows at a path (for "did you mean"). */
function knownKeys(schema: TSchema, instancePath: string): string[] {
  let node: TSchema | undefined = schema;
  for (const part of instancePath.split("/").filter(Boolean)) {
    node = (node?.["properties"] as Record<string, TSchema> | undefined)?.[part];
  }
  return Object.keys((node?.["properties"] as Record<string, TSchema> | undefined) ?? {});
}
